package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/apitest"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// storedKey reads the signer key this page keeps in IndexedDB and tries to export its
// private half, which must fail.
const storedKeyJS = `(async (name) => {
  const db = await new Promise((res, rej) => { const r = indexedDB.open("signroom"); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  const rec = await new Promise((res, rej) => { const q = db.transaction("signer-keys").objectStore("signer-keys").get(name); q.onsuccess = () => res(q.result); q.onerror = () => rej(q.error); });
  db.close();
  if (!rec) return JSON.stringify({});
  const k = rec.keyPair.privateKey;
  let exported = true;
  try { await crypto.subtle.exportKey("jwk", k); } catch (e) { exported = false; }
  return JSON.stringify({ thumbprint: rec.thumbprint, extractable: k.extractable, exported, curve: k.algorithm.namedCurve, usages: k.usages });
})(%s)`

type storedKey struct {
	Thumbprint  string   `json:"thumbprint"`
	Extractable bool     `json:"extractable"`
	Exported    bool     `json:"exported"`
	Curve       string   `json:"curve"`
	Usages      []string `json:"usages"`
}

func readStoredKey(t *testing.T, b *browser, agreementID, pid string) storedKey {
	t.Helper()
	s := evalAwait[string](t, b, strings.Replace(storedKeyJS, "%s", jsString(agreementID+"/"+pid), 1))
	var k storedKey
	if err := json.Unmarshal([]byte(s), &k); err != nil {
		t.Fatalf("%s: stored key %s: %v", b.name, s, err)
	}
	return k
}

// waitSigningReady waits until the signing panel has a registered key.
func waitSigningReady(t *testing.T, b *browser) {
	t.Helper()
	b.waitFor(t, "signing panel ready", `document.body.dataset.signingReady === "true"`, 60*time.Second) // key made and registered; slow on a loaded machine
	if got := eval[string](t, b, `document.querySelector("#sign-key-status").dataset.ok`); got != "true" {
		t.Fatalf("%s: key status %q: %s", b.name, got, eval[string](t, b, `document.querySelector("#sign-key-status").textContent`))
	}
}

// evalAwait evaluates a JavaScript expression that yields a promise of T.
func evalAwait[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", b.name, expr, err)
	}
	return v
}

// rejoin reloads the invitation page and joins again.
func rejoin(t *testing.T, b *browser) {
	t.Helper()
	b.run(t, "reload", chromedp.Reload())
	b.waitFor(t, "lobby ready", `document.body.dataset.ready === "true" && !document.querySelector("#join-button").disabled`, 15*time.Second)
	b.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
}

// drawSignature drags the mouse across the signature pad.
func drawSignature(t *testing.T, b *browser) {
	t.Helper()
	eval[bool](t, b, `(document.querySelector("#sign-pad").scrollIntoView({block: "center"}), true)`)
	var r struct{ X, Y, W, H float64 }
	raw := eval[string](t, b, `(r => JSON.stringify({X: r.left, Y: r.top, W: r.width, H: r.height}))(document.querySelector("#sign-pad").getBoundingClientRect())`)
	if err := json.Unmarshal([]byte(raw), &r); err != nil || r.W < 50 {
		t.Fatalf("%s: signature pad rectangle %s: %v", b.name, raw, err)
	}
	actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, r.X+r.W*0.1, r.Y+r.H*0.6, chromedp.ButtonLeft)}
	for i := 1; i <= 12; i++ {
		x := r.X + r.W*(0.1+0.065*float64(i))
		y := r.Y + r.H*(0.6-0.3*float64(i%3)/2)
		actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y, chromedp.ButtonLeft))
	}
	actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, r.X+r.W*0.88, r.Y+r.H*0.5, chromedp.ButtonLeft))
	b.run(t, "draw a signature", actions...)
	if got := eval[string](t, b, `document.querySelector("#sign-pad").dataset.drawn`); got != "true" {
		t.Fatalf("%s: the pad did not record the drawing", b.name)
	}
}

// clickSign presses Sign and waits for the server's answer.
func clickSign(t *testing.T, b *browser) {
	t.Helper()
	b.run(t, "click Sign", chromedp.Click(chromedp.CSS("#sign-button")))
	b.waitFor(t, "confirmation shown", `document.querySelector("#sign-confirm").open`, 5*time.Second)
	if got := eval[int](t, b, `document.querySelectorAll("#sign-confirm-documents li").length`); got != 2 {
		t.Errorf("%s: confirmation lists %d documents, want 2", b.name, got)
	}
	b.screenshot(t, "sign-confirm-"+b.name)
	b.run(t, "confirm", chromedp.Click(chromedp.CSS("#sign-confirm-ok")))
	b.waitFor(t, "signed or refused", `document.body.dataset.signed === "true" || !document.querySelector("#sign-error").hidden`, 20*time.Second)
	if code := eval[string](t, b, `document.querySelector("#sign-error").hidden ? "" : document.querySelector("#sign-error").dataset.code`); code != "" {
		t.Fatalf("%s: signature refused: %s", b.name, code)
	}
}

func signatureRow(pid string) string {
	return `document.querySelector('#signatures li[data-participant-id=` + jsString(pid) + `]')`
}

// TestSigningInChromium: the MC (Korean UI), Kim (Korean UI, Chuncheon) and Wang (Chinese
// UI, Nanjing) join in three browsers; Kim's and Wang's browsers make and register
// non-extractable keys; the MC opens signing; Kim signs with a drawn signature, then Wang;
// every page sees both signatures and the seal; the bundle verifies with evidence.Verify.
func TestSigningInChromium(t *testing.T) {
	chromiumPath(t)
	start := time.Now()
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	// The observer never joins: its invitation is revoked before the seal and opened after.
	m := apitest.SetUpMOUWithObserver(t, org, "sequential")
	org.Post("/api/agreements/"+m.ID+"/start", nil, http.StatusOK, nil)
	ko, zh := catalog(t, "ko"), catalog(t, "zh")

	host := newBrowser(t, "host")
	kim := newBrowser(t, "kim")
	wang := newBrowser(t, "wang")
	join(t, host, m.JoinURL(s.base, m.Host, "ko"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "ko"), "")
	join(t, wang, m.JoinURL(s.base, m.Wang, "zh"), "")
	waitSigningReady(t, kim)
	waitSigningReady(t, wang)
	var kimKey storedKey

	t.Run("everyone is told the ceremony is recorded", func(t *testing.T) {
		if got := eval[string](t, wang, `document.querySelector("#recording-notice").textContent`); got != zh["join.recorded"] {
			t.Errorf("Wang's lobby says %q, want %q", got, zh["join.recorded"])
		}
		for _, b := range []*browser{host, kim, wang} {
			b.waitFor(t, "recording indicator", `!document.querySelector("#rec-indicator").hidden`, 20*time.Second)
		}
		if got := eval[string](t, kim, `document.querySelector("#rec-indicator").textContent`); got != ko["ceremony.recording"] {
			t.Errorf("Kim's indicator says %q, want %q", got, ko["ceremony.recording"])
		}
	})

	t.Run("keys stay in the browser", func(t *testing.T) {
		kimKey = readStoredKey(t, kim, m.ID, m.Kim)
		if kimKey.Thumbprint == "" || kimKey.Extractable || kimKey.Exported || kimKey.Curve != "P-256" {
			t.Fatalf("Kim's stored key = %+v, want a non-extractable P-256 key that exportKey refuses", kimKey)
		}
		if got := eval[string](t, kim, `document.querySelector("#sign-thumbprint").textContent`); got != kimKey.Thumbprint {
			t.Errorf("shown thumbprint = %q, want the stored key's %q", got, kimKey.Thumbprint)
		}
		if got := readStoredKey(t, wang, m.ID, m.Wang).Thumbprint; got == "" || got == kimKey.Thumbprint {
			t.Errorf("Wang's thumbprint = %q, want his own key (Kim's is %q)", got, kimKey.Thumbprint)
		}
		// RFC 7638 thumbprint of the RFC 7515 A.3 key, as docs/evidence-format.md section 1 works it out.
		rfc := evalAwait[string](t, kim, `import("/app/js/signkey.js").then((m) => m.thumbprint({kty: "EC", crv: "P-256",
		  x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}))`)
		if want := "oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U"; rfc != want {
			t.Errorf("JS thumbprint of the RFC 7515 A.3 key = %q, want %q", rfc, want)
		}
		if got := eval[bool](t, host, `document.querySelector("#signing").hidden`); !got {
			t.Error("the MC (no sign grant) sees a signing panel")
		}
	})

	t.Run("reload reuses the key", func(t *testing.T) {
		rejoin(t, kim)
		waitSigningReady(t, kim)
		if got := eval[string](t, kim, `document.querySelector("#sign-thumbprint").textContent`); got != kimKey.Thumbprint {
			t.Errorf("thumbprint after reload = %q, want %q", got, kimKey.Thumbprint)
		}
		if got := eval[string](t, kim, `document.querySelector("#sign-key-status").textContent`); got != ko["sign.key.registered"] {
			t.Errorf("key status after reload = %q, want %q", got, ko["sign.key.registered"])
		}
		if n := countAudit(t, org, m.ID, "signer_key.registered"); n != 2 {
			t.Errorf("%d signer_key.registered audit events, want 2 (one per signatory, none for the reload)", n)
		}
		host.waitFor(t, "Kim back in the room", remoteTile(m.Kim)+` !== null`, 15*time.Second)
	})

	t.Run("a key registered from another browser needs the organizer", func(t *testing.T) {
		// This browser loses its key (as another browser would not have it); the server
		// still holds the old one.
		deleted := evalAwait[bool](t, kim, `new Promise((res, rej) => { const r = indexedDB.open("signroom"); r.onerror = () => rej(r.error);
		  r.onsuccess = () => { const tx = r.result.transaction("signer-keys", "readwrite"); tx.objectStore("signer-keys").delete(`+jsString(m.ID+"/"+m.Kim)+`);
		    tx.oncomplete = () => { r.result.close(); res(true); }; tx.onerror = () => rej(tx.error); }; })`)
		if !deleted {
			t.Fatal("could not delete the stored key")
		}
		rejoin(t, kim)
		kim.waitFor(t, "signing panel ready", `document.body.dataset.signingReady === "true"`, 20*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#sign-key-status").textContent`); got != ko["sign.key.elsewhere"] {
			t.Errorf("key status = %q, want %q", got, ko["sign.key.elsewhere"])
		}
		fresh := readStoredKey(t, kim, m.ID, m.Kim)
		if fresh.Thumbprint == "" || fresh.Thumbprint == kimKey.Thumbprint {
			t.Fatalf("new stored key %q, want a new key (old %q)", fresh.Thumbprint, kimKey.Thumbprint)
		}
		org.Post("/api/agreements/"+m.ID+"/participants/"+m.Kim+"/key/reset", nil, http.StatusOK, nil)
		rejoin(t, kim)
		waitSigningReady(t, kim)
		if got := eval[string](t, kim, `document.querySelector("#sign-thumbprint").textContent`); got != fresh.Thumbprint {
			t.Errorf("thumbprint after the reset = %q, want the new key's %q", got, fresh.Thumbprint)
		}
		if n := countAudit(t, org, m.ID, "signer_key.reset"); n != 1 {
			t.Errorf("%d signer_key.reset audit events, want 1", n)
		}
		kimKey = fresh
		host.waitFor(t, "Kim back in the room", remoteTile(m.Kim)+` !== null`, 15*time.Second)
	})

	t.Run("signing is closed until the MC opens it", func(t *testing.T) {
		for _, b := range []*browser{kim, wang} {
			if !eval[bool](t, b, `document.querySelector("#sign-button").disabled`) {
				t.Errorf("%s: Sign is enabled while the ceremony is only live", b.name)
			}
			if !eval[bool](t, b, `document.querySelector("#host-signing").hidden`) {
				t.Errorf("%s: a signatory sees Open signing", b.name)
			}
		}
		if got := eval[string](t, wang, `document.querySelector("#sign-turn").textContent`); got != zh["sign.turn.not_open"] {
			t.Errorf("Wang's turn line = %q, want %q", got, zh["sign.turn.not_open"])
		}
		host.run(t, "click Open signing", chromedp.Click(chromedp.CSS("#open-signing")))
		for _, b := range []*browser{host, kim, wang} {
			b.waitFor(t, "signing banner", `document.querySelector("#state-banner").dataset.state === "signing"`, 10*time.Second)
		}
		host.waitFor(t, "Open signing hidden", `document.querySelector("#host-signing").hidden`, 5*time.Second)
		kim.waitFor(t, "Kim's turn", `!document.querySelector("#sign-button").disabled`, 10*time.Second)
		// At 1280x720 the turn is announced in view, whatever the scroll position.
		eval[bool](t, kim, `(window.scrollTo(0, 0), true)`)
		if !eval[bool](t, kim, `(r => !document.querySelector("#turn-prompt").hidden && r.top >= 0 && r.bottom <= innerHeight)(document.querySelector("#turn-prompt").getBoundingClientRect())`) {
			t.Error("Kim's turn prompt is not visible in the viewport")
		}
		kim.screenshot(t, "turn-prompt-ko")
		// Go to signing brings the panel up under the prompt: its heading and Sign in view.
		kim.run(t, "click Go to signing", chromedp.Click(chromedp.CSS("#turn-go")))
		inView := `(p => (r => r.top >= p.bottom && r.bottom <= innerHeight)(document.querySelector(%s).getBoundingClientRect()))(document.querySelector("#turn-prompt").getBoundingClientRect())`
		for _, sel := range []string{"#signing h2", "#sign-button"} {
			if !eval[bool](t, kim, strings.Replace(inView, "%s", jsString(sel), 1)) {
				t.Errorf("after Go to signing %s is not in view below the prompt", sel)
			}
		}
		kim.screenshot(t, "turn-go-ko")
		if !eval[bool](t, wang, `document.querySelector("#turn-prompt").hidden`) {
			t.Error("Wang sees a turn prompt while waiting for Kim")
		}
		if got := eval[string](t, kim, `document.querySelector("#sign-turn").textContent`); got != ko["sign.turn.yours"] {
			t.Errorf("Kim's turn line = %q, want %q", got, ko["sign.turn.yours"])
		}
		// A language switch mid-signing keeps the state: Kim's page was loaded before signing
		// opened, and the switch used to take it back to "not open yet" with Sign disabled.
		for _, lang := range []string{"en", "zh", "ko"} {
			cat := catalog(t, lang)
			switchLanguage(t, kim, lang)
			if got := eval[string](t, kim, `document.querySelector("#sign-turn").textContent`); got != cat["sign.turn.yours"] {
				t.Errorf("Kim's turn line in %s = %q, want %q", lang, got, cat["sign.turn.yours"])
			}
			if eval[bool](t, kim, `document.querySelector("#sign-button").disabled`) {
				t.Errorf("Sign is disabled after switching to %s mid-signing", lang)
			}
			if got := eval[string](t, kim, `document.querySelector("#state-banner").dataset.state`); got != "signing" {
				t.Errorf("state banner after the switch to %s = %q, want signing", lang, got)
			}
			if lang != "ko" {
				eval[bool](t, kim, `(window.scrollTo(0, 0), true)`)
				if !eval[bool](t, kim, `(r => r.top >= 0 && r.bottom <= innerHeight)(document.querySelector("#turn-prompt").getBoundingClientRect())`) {
					t.Errorf("Kim's turn prompt in %s is not visible in the viewport", lang)
				}
				if got := eval[string](t, kim, `document.querySelector("#turn-prompt span").textContent`); got != cat["sign.prompt.text"] {
					t.Errorf("turn prompt in %s = %q, want %q", lang, got, cat["sign.prompt.text"])
				}
				kim.screenshot(t, "turn-prompt-"+lang)
			}
			eval[bool](t, kim, `(document.querySelector("#sign-button").scrollIntoView({block: "center"}), true)`)
			kim.screenshot(t, "sign-after-switch-"+lang)
		}
		eval[bool](t, kim, `(window.scrollTo(0, 0), true)`)
		want := strings.ReplaceAll(zh["sign.turn.waiting"], "{name}", "Kim")
		if got := eval[string](t, wang, `document.querySelector("#sign-turn").textContent`); got != want {
			t.Errorf("Wang's turn line = %q, want %q", got, want)
		}
		if !eval[bool](t, wang, `document.querySelector("#sign-button").disabled`) {
			t.Error("Wang's Sign is enabled before Kim signed (sequential order)")
		}
		// The server decides in the end: forced, the button gets the server's refusal,
		// shown from the catalog.
		eval[bool](t, wang, `(document.querySelector("#sign-button").disabled = false, true)`)
		wang.run(t, "click Sign out of turn", chromedp.Click(chromedp.CSS("#sign-button")))
		wang.waitFor(t, "confirmation shown", `document.querySelector("#sign-confirm").open`, 5*time.Second)
		wang.run(t, "confirm", chromedp.Click(chromedp.CSS("#sign-confirm-ok")))
		wang.waitFor(t, "refusal shown", `!document.querySelector("#sign-error").hidden`, 10*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#sign-error").textContent`); got != zh["sign.error.out_of_order"] {
			t.Errorf("Wang's refusal = %q, want %q", got, zh["sign.error.out_of_order"])
		}
		if !eval[bool](t, wang, `document.querySelector("#sign-button").disabled`) {
			t.Error("Sign is enabled again after the refusal")
		}
		if got := countAudit(t, org, m.ID, "agreement.signing"); got != 1 {
			t.Errorf("%d agreement.signing audit events, want 1", got)
		}
	})

	t.Run("Kim signs with a drawn signature, then Wang", func(t *testing.T) {
		drawSignature(t, kim)
		kim.screenshot(t, "signing-panel-ko")
		eval[bool](t, wang, `(document.querySelector("#signing").scrollIntoView({block: "start"}), true)`)
		wang.screenshot(t, "signing-panel-waiting-zh")
		clickSign(t, kim)
		for _, b := range []*browser{host, kim, wang} {
			b.waitFor(t, "Kim's signature listed", signatureRow(m.Kim)+` !== null`, 10*time.Second)
		}
		if got := eval[string](t, wang, signatureRow(m.Kim)+`.querySelector(".sig-party").textContent`); got != "江原道" {
			t.Errorf("Wang sees Kim's party as %q, want 江原道", got)
		}
		if got := eval[string](t, host, signatureRow(m.Kim)+`.querySelector("code").title`); got != kimKey.Thumbprint {
			t.Errorf("the MC sees Kim's key %q, want %q", got, kimKey.Thumbprint)
		}
		wang.waitFor(t, "Wang's turn", `!document.querySelector("#sign-button").disabled`, 10*time.Second)
		if !eval[bool](t, wang, `document.querySelector("#sign-error").hidden`) {
			t.Error("Wang still sees the out-of-turn refusal once it is his turn")
		}
		wang.screenshot(t, "signing-panel-zh")
		host.screenshot(t, "signatures-host-ko")
		// A page reloaded mid-signing learns the signatures so far from GET /api/join.
		rejoin(t, wang)
		waitSigningReady(t, wang)
		wang.waitFor(t, "Kim's signature listed after reload", signatureRow(m.Kim)+` !== null`, 10*time.Second)
		wang.waitFor(t, "Wang's turn after reload", `!document.querySelector("#sign-button").disabled`, 10*time.Second)
		clickSign(t, wang)
		// All signatures in: everyone is told and the ceremony goes on until the MC closes it.
		for _, b := range []*browser{host, kim, wang} {
			b.waitFor(t, "all signatures in", `!document.querySelector("#complete-banner").hidden`, 10*time.Second)
		}
		if got := eval[string](t, wang, `document.querySelector("#complete-banner").textContent`); got != zh["sign.complete"] {
			t.Errorf("Wang's banner = %q, want %q", got, zh["sign.complete"])
		}
		if !eval[bool](t, kim, `document.querySelector("#host-close").hidden`) {
			t.Error("a signatory sees the host's Close control")
		}
		if got := eval[string](t, host, `document.querySelector("#state-banner").dataset.state`); got != "signing" {
			t.Errorf("state after the last signature = %q, want signing", got)
		}
		// An invitation revoked before the seal meets the sealed record afterwards.
		org.Post("/api/agreements/"+m.ID+"/invitations/"+m.Observer+"/revoke", nil, http.StatusOK, nil)
		host.waitFor(t, "Close control", `!document.querySelector("#host-close").hidden`, 10*time.Second)
		host.screenshot(t, "close-ceremony-ko")
		host.run(t, "click Close the ceremony", chromedp.Click(chromedp.CSS("#close-ceremony")))
		for _, b := range []*browser{host, kim, wang} {
			b.waitFor(t, "Wang's signature listed", signatureRow(m.Wang)+` !== null`, 10*time.Second)
			b.waitFor(t, "sealed banner", `!document.querySelector("#sealed-banner").hidden`, 20*time.Second)
			b.waitFor(t, "sealed state", `document.querySelector("#state-banner").dataset.state === "sealed"`, 10*time.Second)
			if n := eval[int](t, b, `document.querySelectorAll("#signatures li").length`); n != 2 {
				t.Errorf("%s lists %d signatures, want 2", b.name, n)
			}
		}
		if got := eval[string](t, wang, `document.querySelector("#sign-turn").textContent`); got != zh["sign.turn.sealed"] {
			t.Errorf("Wang's turn line = %q, want %q", got, zh["sign.turn.sealed"])
		}
		// Sealing ends the invitations; a page that ends must say the agreement is sealed
		// and keep the signatures in view, not report a removal.
		for _, b := range []struct {
			b   *browser
			cat map[string]string
		}{{host, ko}, {kim, ko}, {wang, zh}} {
			b.b.waitFor(t, "sealed ending", `!document.querySelector("#ended").hidden`, 10*time.Second)
			if got := eval[string](t, b.b, `document.querySelector("#ended-title").textContent`); got != b.cat["ended.sealed.title"] {
				t.Errorf("%s ending title = %q, want %q", b.b.name, got, b.cat["ended.sealed.title"])
			}
			if n := eval[int](t, b.b, `document.querySelectorAll("#ended-extra #signatures li").length`); n != 2 {
				t.Errorf("%s ending lists %d signatures, want 2", b.b.name, n)
			}
		}
		if n := countAudit(t, org, m.ID, "ceremony.closed"); n != 1 {
			t.Errorf("%d ceremony.closed audit events, want 1", n)
		}
		kim.screenshot(t, "sealed-ko")
		screenshotIn(t, kim, "sealed", "en")
		wang.screenshot(t, "sealed-zh")
		// Each participant gets their copy of the sealed PDF: from the ending, and from their
		// link afterwards, which shows the sealed agreement instead of an error.
		wang.run(t, "download the copy", chromedp.Click(chromedp.CSS("#download-copy")))
		wang.waitFor(t, "copy downloaded", `document.body.dataset.copyDownloaded === "true"`, 20*time.Second)
		wang.run(t, "open the link again", chromedp.Reload())
		wang.waitFor(t, "sealed agreement shown", `document.body.dataset.ready === "true" && !document.querySelector("#ended").hidden && document.querySelector("#download-copy") !== null`, 20*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#ended-title").textContent`); got != zh["ended.sealed.title"] {
			t.Errorf("Wang's link after the seal: title %q, want %q", got, zh["ended.sealed.title"])
		}
		if n := eval[int](t, wang, `document.querySelectorAll("#ended-extra #signatures li").length`); n != 2 {
			t.Errorf("Wang's link after the seal lists %d signatures, want 2", n)
		}
		if eval[bool](t, wang, `document.querySelector("#sealed-banner").hidden`) {
			t.Error("Wang's link after the seal does not say when it was sealed")
		}
		wang.screenshot(t, "sealed-link-zh")
		screenshotIn(t, wang, "sealed-link", "en", "ko")
		if n := countAudit(t, org, m.ID, "evidence.downloaded"); n != 1 {
			t.Errorf("%d evidence.downloaded audit events after Wang's copy, want 1", n)
		}
		kim.run(t, "leave the page", chromedp.Navigate("about:blank"))
		kim.run(t, "open the revoked observer link", chromedp.Navigate(m.JoinURL(s.base, m.Observer, "ko")))
		for _, c := range []struct {
			lang string
			cat  map[string]string
		}{{"ko", ko}, {"zh", zh}, {"en", catalog(t, "en")}} {
			if c.lang != "ko" {
				switchLanguage(t, kim, c.lang)
			}
			kim.waitFor(t, "refusal shown", `!document.querySelector("#page-error").hidden`, 15*time.Second)
			if got := eval[string](t, kim, `document.querySelector("#page-error").textContent`); got != c.cat["join.error.invitation_sealed"] {
				t.Errorf("revoked link after the seal says %q in %s, want %q", got, c.lang, c.cat["join.error.invitation_sealed"])
			}
			kim.screenshot(t, "invitation-sealed-"+c.lang)
		}
	})

	t.Run("the bundle verifies", func(t *testing.T) {
		bundle := org.Raw("/api/agreements/" + m.ID + "/evidence")
		// The recordings, exported from the archive, are checked against the bundle's hashes.
		archive := localArchive(t, s.DataDir)
		open := func(r evidence.Recording) (io.ReadCloser, error) {
			rc, _, err := archive.Open(context.Background(), r.ObjectKey)
			return rc, err
		}
		rep := evidence.VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)),
			evidence.Options{Trust: serviceTrust(t, s.base), OpenRecording: open})
		for _, c := range rep.Checks {
			if !c.OK {
				t.Errorf("check %q failed: %s", c.Name, c.Detail)
			}
		}
		for _, pid := range []string{m.Kim, m.Wang} {
			if !hasPassed(rep, evidence.CheckSignature+": "+pid) || !hasPassed(rep, evidence.CheckBinding+": "+pid) {
				t.Errorf("no passed signature and binding checks for %s in %+v", pid, rep.Checks)
			}
		}
		man := bundleManifest(t, bundle)
		for _, sig := range man.Signatures {
			header, _, _ := strings.Cut(sig.JWS, ".")
			h, _ := base64.RawURLEncoding.DecodeString(header)
			if want := `{"alg":"ES256","kid":"` + sig.Thumbprint + `","typ":"JWT"}`; string(h) != want {
				t.Errorf("%s JWS header = %s, want the browser's %s", sig.ParticipantID, h, want)
			}
			if sig.Still == nil {
				t.Errorf("%s signature has no camera still", sig.ParticipantID)
			}
			if sig.ParticipantID == m.Kim && (sig.Thumbprint != kimKey.Thumbprint || sig.Drawing == nil) {
				t.Errorf("Kim's signature: thumbprint %s (browser key %s), drawing %v; want the browser's key and a drawing", sig.Thumbprint, kimKey.Thumbprint, sig.Drawing)
			}
		}
		if len(man.Signatures) != 2 {
			t.Errorf("bundle has %d signatures, want 2", len(man.Signatures))
		}
		// Every browser's camera and microphone were recorded and sealed by hash, on one
		// timeline with the signatures.
		byParticipant := map[string]bool{}
		for _, r := range man.Recordings {
			if len(r.Kinds) == 2 && r.Size > 0 && len(r.SHA256) == 64 && r.ObjectKey != "" {
				byParticipant[r.ParticipantID] = true
			}
		}
		for _, pid := range []string{m.Host, m.Kim, m.Wang} {
			if !byParticipant[pid] {
				t.Errorf("no sealed audio+video recording of %s in %+v", pid, man.Recordings)
			}
		}
		if n := countPassed(rep, evidence.CheckRecording+": ", "the given file matches"); n != len(man.Recordings) || n < 3 {
			t.Errorf("%d recording files match their sealed hashes, want all %d (at least one per browser)", n, len(man.Recordings))
		}
		if !hasPassed(rep, evidence.CheckTimeline) || man.Timeline == nil || len(man.Timeline.Signatures) != 2 {
			t.Errorf("recording timeline: %+v; check passed %v", man.Timeline, hasPassed(rep, evidence.CheckTimeline))
		}
	})
	t.Logf("signing e2e took %v", time.Since(start).Round(time.Millisecond))
}

// serviceTrust fetches the service's published seal certificates, as a verifier would.
func serviceTrust(t *testing.T, base string) evidence.Trust {
	t.Helper()
	resp, err := http.Get(base + evidence.SealListPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	l, err := evidence.ParseSealList(body)
	if err != nil {
		t.Fatalf("seal certificate list: %v\n%s", err, body)
	}
	tr, err := l.Trust(base)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// countPassed counts the passed checks whose name starts with prefix and whose detail says
// detail.
func countPassed(rep evidence.Report, prefix, detail string) int {
	n := 0
	for _, c := range rep.Checks {
		if c.OK && strings.HasPrefix(c.Name, prefix) && strings.Contains(c.Detail, detail) {
			n++
		}
	}
	return n
}

// localArchive opens the archive of the service's local blob store (its data directory) to
// read what sealing archived.
func localArchive(t *testing.T, dataDir string) blob.Store {
	t.Helper()
	secret, err := os.ReadFile(filepath.Join(dataDir, "url-signing.key"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := blob.NewLocal(filepath.Join(dataDir, "blobs"), secret, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.Buckets().Archive
}

func hasPassed(rep evidence.Report, name string) bool {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c.OK
		}
	}
	return false
}

func bundleManifest(t *testing.T, bundle []byte) evidence.Manifest {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, evidence.PathManifest) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var m evidence.Manifest
		if err := json.NewDecoder(rc).Decode(&m); err != nil {
			t.Fatalf("manifest: %v", err)
		}
		return m
	}
	t.Fatal("bundle has no " + evidence.PathManifest)
	return evidence.Manifest{}
}

// countAudit counts the agreement's audit events of a type.
func countAudit(t *testing.T, c *apitest.Client, id, typ string) int {
	t.Helper()
	var out struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	c.Do("GET", "/api/agreements/"+id+"/audit", nil, "", http.StatusOK, &out)
	n := 0
	for _, e := range out.Events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// switchLanguage picks lang in the page's language menu and waits for the page to be in it.
func switchLanguage(t *testing.T, b *browser, lang string) {
	t.Helper()
	eval[bool](t, b, `(s => { s.value = `+jsString(lang)+`; return s.dispatchEvent(new Event("change")); })(document.querySelector("#lang-select"))`)
	want := map[string]string{"zh": "zh-Hans"}[lang]
	if want == "" {
		want = lang
	}
	b.waitFor(t, "page in "+lang, `document.documentElement.lang === `+jsString(want), 10*time.Second)
}
