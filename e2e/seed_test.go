package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/internal/pdftest"
)

// seedMOU is the demo MOU of docs/design.md as an organizer types it: six parties, two venues,
// the MC and a signatory in Chuncheon, a signatory in Nanjing, Korean and Chinese PDFs.
func seedMOU() mouSpec {
	m := smallMOU()
	m.Parties = append(m.Parties,
		consoleParty{Key: "assoc", Ko: "남경시 전자상거래협회", Zh: "南京市电子商务协会", En: "Nanjing E-commerce Association", Country: "CN"},
		consoleParty{Key: "group", Ko: "가의현 그룹", En: "Jiayixian Group", Country: "CN"},
		consoleParty{Key: "export", Ko: "㈜강원수출", En: "Gangwon Export Co., Ltd.", Country: "KR"},
		consoleParty{Key: "cosmetics", Ko: "강원도 화장품협회", En: "Gangwon Cosmetics Association", Country: "KR"})
	// Two-page texts, so the host can turn to page 2 of the Chinese version.
	m.Documents = map[string][]byte{"ko": pdftest.Text(apitest.MOUText["ko"]), "zh": pdftest.Text(apitest.MOUText["zh"])}
	return m
}

// allowDownloads saves the browser's downloads in dir.
func allowDownloads(t *testing.T, b *browser, dir string) {
	t.Helper()
	b.run(t, "allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior,
			cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
		return err
	}))
}

// waitFile waits until dir holds a complete file named name and returns its bytes.
func waitFile(t *testing.T, dir, name string, timeout time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			return b
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no %s in %s after %v (holds %v)", name, dir, timeout, entries)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestOrganizerBuildsSeedMOUInChromium is issue 11's whole path through the UI: the organizer
// builds the seed MOU (six parties, two venues, Korean and Chinese PDFs) in the console with no
// API call from the test, schedules it, takes the three invitation links from the invitations
// panel and starts the ceremony from the readiness board; the MC, Kim and Wang join from those
// links; the MC opens signing, Kim and Wang sign, the MC closes and it seals; the organizer
// downloads the evidence bundle from the agreement page, and `signroom verify` passes on it.
func TestOrganizerBuildsSeedMOUInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.failOnWarnings(t)
	s.AddUser(t, "organizer", "a long enough password", "organizer")
	c := newConsoleUI(t, s, "en")
	c.login("organizer", "a long enough password")
	spec := seedMOU()
	ag := c.build(spec)
	if n := c.count("#parties-table tbody tr[data-party-id]"); n != 6 {
		t.Fatalf("%d parties listed, want 6", n)
	}
	c.schedule()
	links := map[string]string{}
	for name, pid := range ag.Participants {
		links[name] = c.invitationLink(pid)
		if !strings.Contains(links[name], "#token=") {
			t.Fatalf("no link for %s in the panel", name)
		}
	}
	c.click(`#ag-tabs [data-tab="readiness"]`)
	c.b.waitFor(t, "board", `!document.querySelector("#ready-start").hidden`, 15*time.Second)
	c.click("#ready-start")
	c.b.waitFor(t, "live", `document.querySelector("#ag-state").classList.contains("badge-live")`, 10*time.Second)

	host, kim, wang := newBrowser(t, "host"), newBrowser(t, "kim"), newBrowser(t, "wang")
	join(t, host, links["MC Park"], "")
	join(t, kim, links["Kim"], "")
	join(t, wang, links["Wang"], "")
	waitSigningReady(t, kim)
	waitSigningReady(t, wang)
	for name, b := range map[string]string{"MC Park": "host", "Kim": "kim", "Wang": "wang"} {
		c.b.waitFor(t, b+" in the room", readiness(ag.Participants[name])+`?.dataset.where === "room"`, 20*time.Second)
	}
	c.b.screenshot(t, "seed-readiness-en")

	// The host turns to page 2 of the Chinese version; Kim and Wang are shown that page.
	var zhNames []string
	for _, lang := range []string{"en", "ko", "zh"} {
		zhNames = append(zhNames, jsString(catalog(t, lang)["doclang.zh"]))
	}
	host.waitFor(t, "document view ready", docView+`.dataset.ready === "true"`, 20*time.Second)
	zhDoc := eval[string](t, host, `[...document.querySelectorAll("#doc-tabs button")].find((b) => [`+
		strings.Join(zhNames, ",")+`].includes(b.textContent.trim()))?.dataset.document || ""`)
	if zhDoc == "" {
		t.Fatal("the host's document view has no tab for the Chinese version")
	}
	zhPage2 := apitest.MOUText["zh"][1][0]
	host.run(t, "pick the Chinese version", chromedp.Click(chromedp.CSS(`#doc-tabs button[data-document="`+zhDoc+`"]`)))
	host.run(t, "next page", chromedp.Click(chromedp.CSS("#doc-next")))
	for name, b := range map[string]*browser{"host": host, "kim": kim, "wang": wang} {
		b.waitFor(t, name+" on page 2 of the Chinese version", showsPage(zhDoc, "2", zhPage2), 15*time.Second)
		b.screenshot(t, "seed-docview-zh-page2-"+name)
	}

	host.run(t, "click Open signing", chromedp.Click(chromedp.CSS("#open-signing")))
	kim.waitFor(t, "Kim's turn", `!document.querySelector("#sign-button").disabled`, 15*time.Second)
	clickSign(t, kim)
	wang.waitFor(t, "Wang's turn", `!document.querySelector("#sign-button").disabled`, 15*time.Second)
	clickSign(t, wang)
	host.waitFor(t, "Close control", `!document.querySelector("#host-close").hidden`, 15*time.Second)
	host.run(t, "click Close the ceremony", chromedp.Click(chromedp.CSS("#close-ceremony")))
	host.waitFor(t, "sealed", `document.querySelector("#state-banner").dataset.state === "sealed"`, 60*time.Second)

	// The organizer downloads the bundle from the agreement page.
	dir := t.TempDir()
	allowDownloads(t, c.b, dir)
	c.b.run(t, "open the agreement page", chromedp.Navigate(s.base+"/?lang=en#/a/"+ag.ID+"/record"))
	c.b.waitFor(t, "sealed record", `document.body.dataset.ready === "true" && !document.querySelector("#record-downloads").hidden`, 15*time.Second)
	c.click("#download-bundle")
	c.b.waitFor(t, "bundle downloaded", `document.querySelector("#download-note").dataset.sha256 !== undefined`, 30*time.Second)
	name := eval[string](t, c.b, `document.querySelector("#download-note").dataset.name`)
	bundle := waitFile(t, dir, name, 30*time.Second)
	sum := sha256.Sum256(bundle)
	if got := eval[string](t, c.b, `document.querySelector("#download-note").dataset.sha256`); got != hex.EncodeToString(sum[:]) {
		t.Errorf("page says SHA-256 %s, the saved file has %x", got, sum)
	}
	c.b.waitFor(t, "download audited", `document.querySelector('#audit-table tr[data-type="evidence.downloaded"]') !== null`, 10*time.Second)
	c.b.screenshot(t, "seed-record-en")
	file := filepath.Join(dir, name)
	if v := cliVerdict(t, file, "--trust-url", s.base); v.Verdict != "valid" {
		t.Fatalf("signroom verify %s: verdict %q, want valid: %+v", name, v.Verdict, v.Checks)
	}
}
