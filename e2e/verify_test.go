package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/internal/evidencetest"
)

// requireVerifier fails in CI, and skips elsewhere, when the WebAssembly verifier was not
// built into frontend/app/wasm (make test and make build build it first).
func requireVerifier(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("../frontend/app/wasm/signroom-verify.wasm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the browser verifier is not built (make wasm): %v", err)
		}
		t.Skipf("the browser verifier is not built (run make wasm): %v", err)
	}
}

// sentRequests records every request the page sends, from CDP network events.
type sentRequests struct {
	mu   sync.Mutex
	reqs []*network.Request
}

func (s *sentRequests) listen(ev any) {
	if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Request != nil {
		s.mu.Lock()
		s.reqs = append(s.reqs, e.Request)
		s.mu.Unlock()
	}
}

func (s *sentRequests) since(n int) []*network.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs[n:])
}

func (s *sentRequests) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// verdictOf is the part of a report both verifiers must agree on: the verdict and each
// check's name and outcome.
type verdictOf struct {
	Verdict string `json:"verdict"`
	Checks  []struct {
		Name       string `json:"name"`
		OK         bool   `json:"ok"`
		Unverified bool   `json:"unverified"`
	} `json:"checks"`
}

func parseVerdict(t *testing.T, what string, b []byte) verdictOf {
	t.Helper()
	var v verdictOf
	if err := json.Unmarshal(b, &v); err != nil || v.Verdict == "" {
		t.Fatalf("%s: not a report (%v): %.300s", what, err, b)
	}
	return v
}

// cliVerdict runs `signroom verify --json` with the given trust flags.
func cliVerdict(t *testing.T, file string, flags ...string) verdictOf {
	t.Helper()
	bin, err := apitest.BuildBinary()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(bin, append(append([]string{"verify", "--json"}, flags...), file)...).Output() // exit code: the verdict
	return parseVerdict(t, "signroom verify "+file, out)
}

// pageVerdict chooses file on the verify page and returns the page's report.
func pageVerdict(t *testing.T, b *browser, file string, data []byte) verdictOf {
	t.Helper()
	b.run(t, "choose "+filepath.Base(file), chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{file}))
	want := sha256Hex(data)
	b.waitFor(t, "verified "+filepath.Base(file), `document.body.dataset.verified === "true" && globalThis.signroomLastResult.file.sha256 === `+jsString(want), 60*time.Second)
	return parseVerdict(t, "page "+file, []byte(eval[string](t, b, `JSON.stringify(globalThis.signroomLastResult.report)`)))
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func flip(b []byte, at int) []byte {
	c := bytes.Clone(b)
	c[at] ^= 0x01
	return c
}

// TestVerifyPageInChromium: the public verify page runs package evidence as WebAssembly on
// bundles and sealed PDFs: every check passes for valid ones, the failing check is named for
// tampered and re-sealed ones, the verdict and checks equal `signroom verify`'s, no request
// carries the file (CDP network events), and it works with the network off once loaded.
func TestVerifyPageInChromium(t *testing.T) {
	chromiumPath(t)
	requireVerifier(t)
	s := startService(t)
	dir := t.TempDir()
	genuine, forger := newSealer(t), newSealer(t) // the same name: only the pinned certificate tells them apart
	certFile := writeFile(t, dir, "gangwon-seal.pem", evidence.CertPEM(genuine.Cert))
	// Sealed by the trusted seal; tampered after sealing; re-sealed by a forger after a signer was dropped.
	valid := evidencetest.Seal(t, genuine, evidencetest.Options{})
	resealed := evidencetest.Seal(t, forger, evidencetest.Options{Signers: 3, DropLastOne: true})
	files := []struct {
		name        string
		data        []byte
		wantVerdict string
		wantFailed  string // a check that must fail
	}{
		{"valid.zip", valid.Bundle, evidence.VerdictValid, ""},
		{"valid.pdf", valid.PDF, evidence.VerdictValid, ""},
		{"tampered.zip", flip(valid.Bundle, len(valid.Bundle)/2), evidence.VerdictInvalid, ""},
		{"tampered.pdf", flip(valid.PDF, len(valid.PDF)/3), evidence.VerdictInvalid, evidence.CheckPDFSeal},
		{"resealed.zip", resealed.Bundle, evidence.VerdictInvalid, evidence.CheckSealTrust},
		{"resealed.pdf", resealed.PDF, evidence.VerdictInvalid, evidence.CheckSealTrust},
	}

	b := newBrowser(t, "legal")
	sent := &sentRequests{}
	if err := chromedp.Listen(b.ctx, sent.listen); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	openVerifyPage(t, b, s.base, "en")
	b.run(t, "trust the genuine seal certificate", chromedp.SetUploadFiles(chromedp.CSS("#trust-file"), []string{certFile}))
	loaded := sent.count()

	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := writeFile(t, dir, f.name, f.data)
			checkPageAgainstCLI(t, b, path, f.data, certFile, f.wantVerdict, f.wantFailed)
			if f.name == "valid.zip" || f.name == "resealed.zip" {
				b.screenshot(t, "verify-"+strings.TrimSuffix(f.name, ".zip")+"-en")
			}
		})
	}
	t.Run("no request carries the file", func(t *testing.T) { checkNoUpload(t, sent, s.base, loaded) })
	t.Run("works offline once loaded", func(t *testing.T) {
		goOffline(t, b)
		other := evidencetest.Seal(t, genuine, evidencetest.Options{Signers: 3})
		path := writeFile(t, dir, "offline.pdf", other.PDF)
		if v := pageVerdict(t, b, path, other.PDF); v.Verdict != evidence.VerdictValid {
			t.Errorf("offline verdict %q: %+v", v.Verdict, v.Checks)
		}
	})
}

// checkPageAgainstCLI verifies file on the page and with `signroom verify`: the same verdict
// (the one wanted) and checks, and the page names a failing check when there is one.
func checkPageAgainstCLI(t *testing.T, b *browser, path string, data []byte, certFile, wantVerdict, wantFailed string) {
	t.Helper()
	page := pageVerdict(t, b, path, data)
	cli := cliVerdict(t, path, "--seal-cert", certFile)
	if page.Verdict != wantVerdict {
		t.Errorf("page verdict %q, want %q: %+v", page.Verdict, wantVerdict, page.Checks)
	}
	if !sameChecks(page, cli) {
		t.Errorf("page and signroom verify disagree:\npage %+v\ncli  %+v", page, cli)
	}
	shown := eval[[]string](t, b, `[...document.querySelectorAll("#checks li[data-status=fail]")].map((li) => li.dataset.check)`)
	if wantVerdict == evidence.VerdictInvalid && len(shown) == 0 {
		t.Error("the page names no failing check")
	}
	if wantFailed != "" && !slices.ContainsFunc(shown, func(n string) bool { return strings.HasPrefix(n, wantFailed) }) {
		t.Errorf("the page shows failing checks %q, want %q among them", shown, wantFailed)
	}
}

// checkNoUpload: every request the page sent was a GET to its own site, none with a body,
// and none at all once the page had loaded.
func checkNoUpload(t *testing.T, sent *sentRequests, base string, loaded int) {
	for _, r := range sent.since(0) {
		if r.Method != "GET" || r.HasPostData || !strings.HasPrefix(r.URL, base+"/") {
			t.Errorf("the page sent %s %s (post data %v)", r.Method, r.URL, r.HasPostData)
		}
	}
	for _, r := range sent.since(loaded) {
		t.Errorf("request after the page loaded: %s %s", r.Method, r.URL)
	}
}

// goOffline cuts the tab off the network and checks that a fetch now fails.
func goOffline(t *testing.T, b *browser) {
	t.Helper()
	offline := []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}}
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: offline}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
		t.Fatal(err)
	}
	if ok := evalAwait[bool](t, b, `fetch("/healthz").then(() => true, () => false)`); ok {
		t.Fatal("the network is still up")
	}
}

// TestVerifyPageLanguages: the page in ko, zh and en says "seal unverified" for a valid record
// while trusting nobody, then valid once given the seal's fingerprint (screenshots of both).
func TestVerifyPageLanguages(t *testing.T) {
	chromiumPath(t)
	requireVerifier(t)
	s := startService(t)
	dir := t.TempDir()
	sealer, err := evidence.NewSelfSignedSealer("Signroom seal of Gangwon Province", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	rec := evidencetest.Seal(t, sealer, evidencetest.Options{Signers: 3})
	bundle := writeFile(t, dir, "signroom-ag-2020-0529-bundle.zip", rec.Bundle)
	b := newBrowser(t, "legal")
	for _, lang := range []string{"ko", "zh", "en"} {
		cat := catalog(t, lang)
		openVerifyPage(t, b, s.base, lang)
		b.run(t, "trust nothing (not even this installation)", chromedp.Click(chromedp.CSS("#trust-own")))
		if v := pageVerdict(t, b, bundle, rec.Bundle); v.Verdict != evidence.VerdictUnverified {
			t.Errorf("%s: verdict without trust %q, want %q", lang, v.Verdict, evidence.VerdictUnverified)
		}
		if got := eval[string](t, b, `document.querySelector("#verdict").textContent`); got != cat["verify.verdict.unverified"] {
			t.Errorf("%s: verdict shown %q, want %q", lang, got, cat["verify.verdict.unverified"])
		}
		b.screenshot(t, "verify-unverified-"+lang)
		b.run(t, "paste the fingerprint", chromedp.SendKeys(chromedp.CSS("#trust-text"), evidence.CertFingerprint(sealer.Cert)),
			chromedp.Click(chromedp.CSS("#trust-apply")))
		b.waitFor(t, "valid", `document.querySelector("#result").dataset.verdict === "valid"`, 30*time.Second)
		if got := eval[string](t, b, `document.querySelector("#verdict").textContent`); got != cat["verify.verdict.valid"] {
			t.Errorf("%s: verdict shown %q, want %q", lang, got, cat["verify.verdict.valid"])
		}
		if n := eval[int](t, b, `document.querySelectorAll("#signers tbody tr").length`); n != 3 {
			t.Errorf("%s: %d signers listed, want 3", lang, n)
		}
		b.screenshot(t, "verify-valid-"+lang)
	}
}

func newSealer(t *testing.T) *evidence.Sealer {
	t.Helper()
	s, err := evidence.NewSelfSignedSealer("Signroom seal of Gangwon Province", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openVerifyPage(t *testing.T, b *browser, base, lang string) {
	t.Helper()
	b.run(t, "open the verify page", chromedp.Navigate(base+"/app/verify.html?lang="+lang))
	b.waitFor(t, "verifier loaded", `document.body.dataset.verifierReady === "true"`, 90*time.Second)
}

func sameChecks(a, b verdictOf) bool {
	if a.Verdict != b.Verdict || len(a.Checks) != len(b.Checks) {
		return false
	}
	for i := range a.Checks {
		if a.Checks[i] != b.Checks[i] {
			return false
		}
	}
	return true
}
