package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/pdftest"
)

// consoleUI drives the staff console in one browser, as an organizer would: every action is
// a click, a keystroke, a choice or a file picked in the page, never an API call.
type consoleUI struct {
	t    *testing.T
	b    *browser
	base string
}

// consoleParty, consoleVenue and consoleParticipant are what the organizer types in.
type consoleParty struct {
	Key, Ko, Zh, En, Country string
}

type consoleVenue struct {
	Key, Ko, Zh, En, Place, Zone string
}

type consoleParticipant struct {
	Name, Title, Party, Venue, Role string // Party and Venue are keys of the above; Party may be ""
	Order                           int
}

func newConsoleUI(t *testing.T, s *service, lang string) *consoleUI {
	t.Helper()
	c := &consoleUI{t: t, b: newBrowser(t, "organizer-"+lang), base: s.base}
	c.b.run(t, "open the console", chromedp.Navigate(s.base+"/?lang="+lang))
	c.b.waitFor(t, "page ready", `document.body.dataset.ready === "true"`, 10*time.Second)
	return c
}

func (c *consoleUI) login(user, password string) {
	c.t.Helper()
	c.b.run(c.t, "sign in",
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-submit")))
	c.b.waitFor(c.t, "signed in", `!document.querySelector("#list-view").hidden || !document.querySelector("#admin-view").hidden`, 10*time.Second)
}

// set types v into the field sel, replacing what it held (a select takes the option value).
func (c *consoleUI) set(sel, v string) {
	c.t.Helper()
	c.b.waitFor(c.t, sel+" present", `document.querySelector(`+jsString(sel)+`) !== null`, 10*time.Second)
	eval[bool](c.t, c.b, `(() => { const e = document.querySelector(`+jsString(sel)+`); e.focus(); e.value = `+jsString(v)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); return e.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

func (c *consoleUI) click(sel string) {
	c.t.Helper()
	c.b.run(c.t, "click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func (c *consoleUI) count(sel string) int {
	c.t.Helper()
	return eval[int](c.t, c.b, `document.querySelectorAll(`+jsString(sel)+`).length`)
}

// waitCount waits until sel matches n elements.
func (c *consoleUI) waitCount(what, sel string, n int) {
	c.t.Helper()
	c.b.waitFor(c.t, what, `document.querySelectorAll(`+jsString(sel)+`).length === `+strconv.Itoa(n), 15*time.Second)
}

func (c *consoleUI) text(sel string) string {
	c.t.Helper()
	return eval[string](c.t, c.b, `(document.querySelector(`+jsString(sel)+`) || {}).textContent || ""`)
}

// createAgreement opens "New agreement", types the titles and creates it; it returns the id.
func (c *consoleUI) createAgreement(ko, zh, en, order string) string {
	c.t.Helper()
	c.click("#new-agreement")
	c.b.waitFor(c.t, "new agreement form", `!document.querySelector("#agreement-view").hidden`, 10*time.Second)
	c.set("#ag-title-ko", ko)
	c.set("#ag-title-zh", zh)
	c.set("#ag-title-en", en)
	c.set("#ag-order", order)
	c.click("#ag-save")
	c.b.waitFor(c.t, "agreement created", `location.hash.startsWith("#/a/") && !document.querySelector("#ag-parts").hidden`, 15*time.Second)
	return strings.TrimPrefix(eval[string](c.t, c.b, `location.hash`), "#/a/")
}

func (c *consoleUI) addParty(p consoleParty) string {
	c.t.Helper()
	n := c.count("#parties-table tbody tr[data-party-id]")
	c.set("#party-name-ko", p.Ko)
	c.set("#party-name-zh", p.Zh)
	c.set("#party-name-en", p.En)
	c.set("#party-country", p.Country)
	c.click("#party-form button[type=submit]")
	c.waitCount("party listed", "#parties-table tbody tr[data-party-id]", n+1)
	return eval[string](c.t, c.b, `[...document.querySelectorAll("#parties-table tbody tr[data-party-id]")].pop().dataset.partyId`)
}

func (c *consoleUI) addVenue(v consoleVenue) string {
	c.t.Helper()
	n := c.count("#venues-table tbody tr[data-venue-id]")
	c.set("#venue-name-ko", v.Ko)
	c.set("#venue-name-zh", v.Zh)
	c.set("#venue-name-en", v.En)
	c.set("#venue-place", v.Place)
	c.set("#venue-tz", v.Zone)
	c.click("#venue-form button[type=submit]")
	c.waitCount("venue listed", "#venues-table tbody tr[data-venue-id]", n+1)
	return eval[string](c.t, c.b, `[...document.querySelectorAll("#venues-table tbody tr[data-venue-id]")].pop().dataset.venueId`)
}

func (c *consoleUI) addParticipant(p consoleParticipant, parties, venues map[string]string) string {
	c.t.Helper()
	n := c.count("#participants-table tbody tr[data-participant-id]")
	c.set("#pt-name", p.Name)
	c.set("#pt-title", p.Title)
	c.set("#pt-role", p.Role)
	c.set("#pt-party", parties[p.Party])
	c.set("#pt-venue", venues[p.Venue])
	if p.Order > 0 {
		c.set("#pt-order", strconv.Itoa(p.Order))
	}
	c.click("#participant-form button[type=submit]")
	c.waitCount("participant listed", "#participants-table tbody tr[data-participant-id]", n+1)
	return eval[string](c.t, c.b, `[...document.querySelectorAll("#participants-table tbody tr[data-participant-id]")].pop().dataset.participantId`)
}

// uploadDocument picks a PDF file and uploads it as the version in lang; it returns the
// SHA-256 the console shows for it.
func (c *consoleUI) uploadDocument(lang string, pdf []byte) string {
	c.t.Helper()
	file := filepath.Join(c.t.TempDir(), "mou-"+lang+".pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.set("#doc-language", lang)
	c.b.run(c.t, "pick the PDF", chromedp.SetUploadFiles(chromedp.CSS("#doc-file"), []string{file}))
	c.click("#doc-upload")
	card := `#documents-list li[data-language="` + lang + `"]`
	// An upload renders every page (the renderer compiles at the first one after a start).
	c.b.waitFor(c.t, "document listed", `document.querySelector(`+jsString(card)+`) !== null`, 90*time.Second)
	return strings.ReplaceAll(c.text(card+" .fingerprint"), " ", "")
}

// fieldError is the error shown beside the field named name in the form sel, or "".
func (c *consoleUI) fieldError(form, name string) string {
	c.t.Helper()
	return c.text(form + ` .field-error[data-for-field="` + name + `"]`)
}

// TestConsoleBuildsAgreementInChromium: an organizer signs in and builds an agreement through
// the console only — titles, parties (a wrong country code is refused beside its field),
// venues with their time zones, participants, a PDF uploaded with its SHA-256 shown, an edit,
// the planned time shown in each venue's local time — then takes screenshots in en, ko, zh.
func TestConsoleBuildsAgreementInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.organizer(t, "organizer", "a long enough password")
	en := catalog(t, "en")
	c := newConsoleUI(t, s, "en")
	c.login("organizer", "a long enough password")
	id := c.createAgreement("강원도-남경시 전자상거래 협력 MOU", "江原道-南京市跨境电商合作备忘录", "Gangwon–Nanjing e-commerce MOU", "sequential")
	if got := c.text("#ag-heading"); got != "Gangwon–Nanjing e-commerce MOU" {
		t.Errorf("heading = %q, want the English title", got)
	}

	// A wrong country code comes back from the API as a field error, shown beside the field.
	c.set("#party-name-en", "Gangwon Province")
	c.set("#party-country", "ZZ")
	c.click("#party-form button[type=submit]")
	c.b.waitFor(t, "country error", `document.querySelector('#party-form .field-error[data-for-field="country"]') !== null`, 10*time.Second)
	if got, want := c.fieldError("#party-form", "country"), en["validation.iso3166_1_alpha2"]; got != want {
		t.Errorf("country error = %q, want %q", got, want)
	}
	if got := eval[string](t, c.b, `document.querySelector("#party-country").getAttribute("aria-invalid")`); got != "true" {
		t.Errorf("country field aria-invalid = %q, want true", got)
	}
	parties := map[string]string{
		"gw": c.addParty(consoleParty{Ko: "강원도", Zh: "江原道", En: "Gangwon Province", Country: "KR"}),
		"nj": c.addParty(consoleParty{Ko: "남경시", Zh: "南京市", En: "Nanjing", Country: "CN"}),
	}
	if got := c.count("#party-form .field-error"); got != 0 {
		t.Errorf("%d field errors left after a good save", got)
	}
	// Edit the second party's English name.
	c.click(`#parties-table tr[data-party-id="` + parties["nj"] + `"] .row-actions button`)
	c.set("#party-name-en", "Nanjing Municipal Government")
	c.click("#party-form button[type=submit]")
	c.b.waitFor(t, "party renamed", `document.querySelector('#parties-table tr[data-party-id=`+jsString(parties["nj"])+`]').textContent.includes("Nanjing Municipal Government")`, 10*time.Second)

	venues := map[string]string{
		"cc": c.addVenue(consoleVenue{Ko: "스카이 컨벤션", En: "Sky Convention", Place: "Chuncheon", Zone: "Asia/Seoul"}),
		"nj": c.addVenue(consoleVenue{Ko: "쑤닝 노보텔", Zh: "苏宁诺富特", En: "Suning Novotel", Place: "Nanjing", Zone: "Asia/Shanghai"}),
	}
	for _, p := range []consoleParticipant{
		{Name: "MC Park", Role: "host", Venue: "cc"},
		{Name: "Kim", Title: "Governor", Party: "gw", Venue: "cc", Role: "signatory", Order: 1},
		{Name: "Wang", Title: "Mayor", Party: "nj", Venue: "nj", Role: "signatory", Order: 2},
	} {
		c.addParticipant(p, parties, venues)
	}
	row := `#participants-table tbody tr:nth-child(2)`
	if got := c.text(row); !strings.Contains(got, "Governor") || !strings.Contains(got, en["role.signatory"]) || !strings.Contains(got, en["grant.sign"]) {
		t.Errorf("participant row = %q, want title, role and the sign grant", got)
	}

	pdf := pdftest.MOU("ko")
	sum := sha256.Sum256(pdf)
	if got, want := c.uploadDocument("ko", pdf), hex.EncodeToString(sum[:]); got != want {
		t.Errorf("shown SHA-256 = %s, want %s", got, want)
	}
	// A second document in the same language is refused beside the language field.
	file := filepath.Join(t.TempDir(), "again.pdf")
	os.WriteFile(file, pdf, 0o644)
	c.b.run(t, "pick the PDF again", chromedp.SetUploadFiles(chromedp.CSS("#doc-file"), []string{file}))
	c.click("#doc-upload")
	c.b.waitFor(t, "language error", `document.querySelector('#document-form .field-error[data-for-field="language"]') !== null`, 60*time.Second)
	if got, want := c.fieldError("#document-form", "language"), en["validation.document_exists"]; got != want {
		t.Errorf("second ko upload: error = %q, want %q", got, want)
	}

	// The planned start, typed in Seoul time, shown in each venue's local time.
	day := time.Now().AddDate(0, 0, 30).Format("2006-01-02")
	c.set("#ag-when-zone", "Asia/Seoul")
	c.set("#ag-when", day+"T10:00")
	c.click("#ag-save")
	c.b.waitFor(t, "saved", `!document.querySelector("#ag-form .form-saved").hidden`, 10*time.Second)
	local := c.text("#ag-schedule-local ul")
	if !strings.Contains(local, "10:00") || !strings.Contains(local, "09:00") {
		t.Errorf("local schedule = %q, want 10:00 in Chuncheon and 09:00 in Nanjing", local)
	}
	b2 := c.b
	b2.run(t, "reload", chromedp.Reload())
	b2.waitFor(t, "agreement reloaded", `document.querySelectorAll("#participants-table tbody tr[data-participant-id]").length === 3`, 15*time.Second)
	if got := eval[string](t, b2, `document.querySelector("#ag-when").value`); got != day+"T10:00" {
		t.Errorf("planned time after reload = %q, want %sT10:00 (Seoul)", got, day)
	}

	for _, lang := range []string{"en", "ko", "zh"} {
		c.b.run(t, "open in "+lang, chromedp.Navigate(s.base+"/?lang="+lang+"#/a/"+id))
		c.b.waitFor(t, "console in "+lang, `document.body.dataset.ready === "true" && document.querySelectorAll("#participants-table tbody tr[data-participant-id]").length === 3`, 15*time.Second)
		cat := catalog(t, lang)
		if got := c.text("#parties-heading"); got != cat["console.parties"] {
			t.Errorf("%s: parties heading = %q, want %q", lang, got, cat["console.parties"])
		}
		c.b.screenshot(t, "console-"+lang)
		eval[bool](t, c.b, `(document.querySelector("#parties-heading").scrollIntoView(), true)`)
		c.b.screenshot(t, "console-parts-"+lang)
	}
}

// mouSpec is an agreement as the organizer types it into the console.
type mouSpec struct {
	Ko, Zh, En, Order string
	Parties           []consoleParty
	Venues            []consoleVenue
	Participants      []consoleParticipant
	Documents         map[string][]byte // PDF by language
}

// smallMOU is the demo MOU of apitest.SetUpMOU: an MC and a signatory in Chuncheon, a
// signatory in Nanjing, two parties, Korean and Chinese PDFs.
func smallMOU() mouSpec {
	return mouSpec{Ko: "강원도-남경시 전자상거래 협력 MOU", Zh: "江原道-南京市跨境电商合作备忘录", En: "Gangwon–Nanjing e-commerce MOU", Order: "sequential",
		Parties: []consoleParty{{Key: "gw", Ko: "강원도", Zh: "江原道", En: "Gangwon Province", Country: "KR"},
			{Key: "nj", Ko: "남경시", Zh: "南京市", En: "Nanjing Municipal Government", Country: "CN"}},
		Venues: []consoleVenue{{Key: "cc", Ko: "스카이 컨벤션 2층 컨벤션홀", En: "Sky Convention, 2nd-floor hall", Place: "Chuncheon", Zone: "Asia/Seoul"},
			{Key: "nj", Ko: "쑤닝 노보텔 중화청B", Zh: "苏宁诺富特中华厅B", En: "Suning Novotel, Zhonghua Hall B", Place: "Nanjing", Zone: "Asia/Shanghai"}},
		Participants: []consoleParticipant{{Name: "MC Park", Role: "host", Venue: "cc"},
			{Name: "Kim", Title: "Governor", Party: "gw", Venue: "cc", Role: "signatory", Order: 1},
			{Name: "Wang", Title: "Mayor", Party: "nj", Venue: "nj", Role: "signatory", Order: 2}},
		Documents: map[string][]byte{"ko": pdftest.MOU("ko"), "zh": pdftest.MOU("zh")},
	}
}

// built is what build made: the agreement's id and the participants' ids by name.
type built struct {
	ID           string
	Participants map[string]string
}

// build types the whole agreement into the console; it is left a draft.
func (c *consoleUI) build(m mouSpec) built {
	c.t.Helper()
	out := built{Participants: map[string]string{}}
	out.ID = c.createAgreement(m.Ko, m.Zh, m.En, m.Order)
	parties, venues := map[string]string{}, map[string]string{}
	for _, p := range m.Parties {
		parties[p.Key] = c.addParty(p)
	}
	for _, v := range m.Venues {
		venues[v.Key] = c.addVenue(v)
	}
	for _, p := range m.Participants {
		out.Participants[p.Name] = c.addParticipant(p, parties, venues)
	}
	for _, lang := range []string{"ko", "zh", "en"} {
		if pdf, ok := m.Documents[lang]; ok {
			c.uploadDocument(lang, pdf)
		}
	}
	return out
}

// schedule presses "Schedule and issue invitations" and waits for the invitations panel.
func (c *consoleUI) schedule() {
	c.t.Helper()
	c.click("#schedule-button")
	c.b.waitFor(c.t, "invitations panel", `!document.querySelector("#tab-invitations").hidden && document.querySelectorAll("#inv-list .inv-item").length > 0`, 15*time.Second)
}

// invitationLink reads a participant's link from the panel, or "" when none is shown.
func (c *consoleUI) invitationLink(pid string) string {
	c.t.Helper()
	return eval[string](c.t, c.b, `(document.querySelector('#inv-list li[data-participant-id=`+jsString(pid)+`] .inv-link') || {}).value || ""`)
}

func (c *consoleUI) invitationButton(pid, class string) string {
	return `#inv-list li[data-participant-id="` + pid + `"] .` + class
}

// switchLanguage changes the page's language with its language menu (no reload).
func (c *consoleUI) switchLanguage(lang string) {
	c.t.Helper()
	c.set("#lang-select", lang)
	c.b.waitFor(c.t, "language "+lang, `document.documentElement.lang.startsWith(`+jsString(lang)+`)`, 10*time.Second)
}

// TestInvitationPanelInChromium: the organizer builds and schedules the MOU in the console;
// the invitations panel shows each participant's link with its QR code at once; a link read
// from the panel opens that participant's lobby; reissuing is one click and the old link
// stops working; revoking takes a confirming second click; the printed invitation sheet has
// the name, agreement, venue, local time and QR code.
func TestInvitationPanelInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.organizer(t, "organizer", "a long enough password")
	en := catalog(t, "en")
	c := newConsoleUI(t, s, "en")
	c.login("organizer", "a long enough password")
	m := smallMOU()
	day := time.Now().AddDate(0, 0, 20).Format("2006-01-02")
	ag := c.build(m)
	c.set("#ag-when-zone", "Asia/Seoul")
	c.set("#ag-when", day+"T15:30")
	c.click("#ag-save")
	c.b.waitFor(t, "saved", `!document.querySelector("#ag-form .form-saved").hidden`, 10*time.Second)
	c.schedule()

	kim, wang, mc := ag.Participants["Kim"], ag.Participants["Wang"], ag.Participants["MC Park"]
	for name, pid := range ag.Participants {
		link := c.invitationLink(pid)
		if !strings.Contains(link, "/app/join.html#token=") {
			t.Fatalf("%s: link in the panel = %q, want an invitation link", name, link)
		}
		qr := `#inv-list li[data-participant-id="` + pid + `"] .inv-qr`
		c.b.waitFor(t, name+"'s QR code drawn", `document.querySelector(`+jsString(qr)+`).complete && document.querySelector(`+jsString(qr)+`).naturalWidth > 0`, 10*time.Second)
	}
	if got := c.text(`#inv-list li[data-participant-id="` + kim + `"] .inv-head`); !strings.Contains(got, en["role.signatory"]) || !strings.Contains(got, "Chuncheon") {
		t.Errorf("Kim's line = %q, want role and venue", got)
	}
	c.b.screenshot(t, "invitations-en")

	// The link read from the panel opens Kim's lobby.
	kimLink := c.invitationLink(kim)
	p := newBrowser(t, "kim")
	p.run(t, "open Kim's link", chromedp.Navigate(kimLink))
	p.waitFor(t, "Kim's lobby", `document.body.dataset.ready === "true" && document.querySelector("#me-name").textContent.includes("Kim")`, 15*time.Second)

	c.click(c.invitationButton(kim, "inv-copy"))
	c.b.waitFor(t, "copied", `document.querySelector(`+jsString(c.invitationButton(kim, "inv-copy"))+`).dataset.copied === "true"`, 5*time.Second)

	// The printed sheet.
	eval[bool](t, c.b, `(window.print = () => {}, true)`)
	c.click(c.invitationButton(wang, "inv-print"))
	sheet := c.text("#print-sheet")
	for _, want := range []string{"Wang (Mayor)", m.En, "Suning Novotel, Zhonghua Hall B", "Nanjing", "14:30", en["sheet.keep"]} {
		if !strings.Contains(sheet, want) {
			t.Errorf("invitation sheet lacks %q: %s", want, sheet)
		}
	}
	printScreenshot(t, c.b, "invitation-sheet-en")

	// Reissue is one click: a new link at once; the old one is refused.
	old := c.invitationLink(wang)
	c.click(c.invitationButton(wang, "inv-reissue"))
	c.b.waitFor(t, "new link", `(document.querySelector('#inv-list li[data-participant-id=`+jsString(wang)+`] .inv-link') || {}).value !== `+jsString(old), 10*time.Second)
	if got := c.invitationLink(wang); !strings.Contains(got, "#token=") {
		t.Fatalf("reissued link = %q", got)
	}
	p.run(t, "open Wang's old link", chromedp.Navigate("about:blank"), chromedp.Navigate(old))
	p.waitFor(t, "old link refused", `!document.querySelector("#page-error").hidden`, 15*time.Second)

	// Revoke needs a second click.
	c.click(c.invitationButton(mc, "inv-revoke"))
	if got := c.text(c.invitationButton(mc, "inv-revoke")); got != en["inv.revoke_confirm"] {
		t.Errorf("after one click the revoke button says %q, want %q", got, en["inv.revoke_confirm"])
	}
	c.click(c.invitationButton(mc, "inv-revoke"))
	c.b.waitFor(t, "revoked", `document.querySelector('#inv-list li[data-participant-id=`+jsString(mc)+`]').dataset.state === "revoked"`, 10*time.Second)
	if got := c.invitationLink(mc); got != "" {
		t.Errorf("a revoked invitation still shows its link %q", got)
	}

	// Key reset for a signer who has no key yet says so.
	c.click(c.invitationButton(kim, "inv-key-reset"))
	c.click(c.invitationButton(kim, "inv-key-reset"))
	c.b.waitFor(t, "key reset answer", `document.querySelector('#inv-list li[data-participant-id=`+jsString(kim)+`] .inv-note').textContent !== ""`, 10*time.Second)
	if got := c.text(`#inv-list li[data-participant-id="` + kim + `"] .inv-note`); got != en["inv.key_none"] {
		t.Errorf("key reset note = %q, want %q", got, en["inv.key_none"])
	}

	for _, lang := range []string{"ko", "zh"} {
		c.switchLanguage(lang)
		if got := c.text("#inv-heading"); got != catalog(t, lang)["inv.heading"] {
			t.Errorf("%s: heading = %q", lang, got)
		}
		c.b.screenshot(t, "invitations-"+lang)
		c.click(c.invitationButton(wang, "inv-print"))
		printScreenshot(t, c.b, "invitation-sheet-"+lang)
	}
	// After a reload the links are gone: they are not kept anywhere.
	c.b.run(t, "reload", chromedp.Reload())
	c.b.waitFor(t, "panel again", `document.querySelectorAll("#inv-list .inv-item").length === 3`, 15*time.Second)
	if got := c.invitationLink(kim); got != "" {
		t.Errorf("after a reload the panel shows a link %q; links are shown only when issued", got)
	}
}

// emulateMedia makes the page render for a CSS media type ("" for the default, screen).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}

// printScreenshot saves a screenshot of the page as printed (print media).
func printScreenshot(t *testing.T, b *browser, name string) {
	t.Helper()
	eval[bool](t, b, `(window.scrollTo(0, 0), true)`)
	b.run(t, "print media", emulateMedia("print"))
	b.screenshot(t, name)
	b.run(t, "screen media", emulateMedia(""))
}

// readiness is the participant's line on the readiness board as a JavaScript expression.
func readiness(pid string) string {
	return `document.querySelector('#ready-table tr[data-participant-id=` + jsString(pid) + `]')`
}

// TestReadinessBoardInChromium: the organizer builds and schedules the MOU in the console and
// opens the readiness board; a signatory who opens the link read from the panel shows in the
// lobby; the organizer starts the ceremony from the board; once the signatory joined, the
// board shows them in the room with camera, microphone and connection, and their key
// registered; their mute shows too, and the audit trail holds the join and the mute.
func TestReadinessBoardInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.failOnWarnings(t)
	org := s.organizer(t, "organizer", "a long enough password")
	c := newConsoleUI(t, s, "en")
	c.login("organizer", "a long enough password")
	ag := c.build(smallMOU())
	c.schedule()
	wang := ag.Participants["Wang"]
	link := c.invitationLink(wang)
	c.click(`#ag-tabs [data-tab="readiness"]`)
	c.b.waitFor(t, "board", `document.querySelectorAll("#ready-table tbody tr").length === 3`, 15*time.Second)
	if got := eval[string](t, c.b, readiness(wang)+`.dataset.where`); got != "absent" {
		t.Errorf("before opening the link Wang is %q, want absent", got)
	}

	p := newBrowser(t, "wang")
	p.run(t, "open Wang's link", chromedp.Navigate(link))
	p.waitFor(t, "lobby ready", `document.body.dataset.ready === "true"`, 15*time.Second)
	c.b.waitFor(t, "Wang in the lobby", readiness(wang)+`.dataset.where === "lobby"`, 15*time.Second)
	c.b.screenshot(t, "readiness-lobby-en")

	c.click("#ready-start")
	c.b.waitFor(t, "live", `document.querySelector("#ag-state").textContent === `+jsString(catalog(t, "en")["state.live"]), 10*time.Second)
	// The lobby asks again within ten seconds and enables Join.
	p.waitFor(t, "Join enabled", `document.querySelector("#preview").videoWidth > 0 && !document.querySelector("#join-button").disabled`, 60*time.Second)
	p.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
	c.b.waitFor(t, "Wang in the room", readiness(wang)+`.dataset.where === "room"`, 20*time.Second)
	c.b.waitFor(t, "camera, microphone, key", readiness(wang)+`.querySelector(".ready-camera [data-state]")?.dataset.state === "on" && `+
		readiness(wang)+`.querySelector(".ready-microphone [data-state]")?.dataset.state === "on" && `+
		readiness(wang)+`.querySelector(".ready-key [data-registered]")?.dataset.registered === "true"`, 30*time.Second)
	c.b.waitFor(t, "connection measured", `["good", "fair", "poor"].includes(`+readiness(wang)+`.querySelector(".ready-connection [data-level]")?.dataset.level)`, 15*time.Second)

	p.run(t, "mute the microphone", chromedp.Click(chromedp.CSS("#mic-button")))
	c.b.waitFor(t, "microphone muted", readiness(wang)+`.querySelector(".ready-microphone [data-state]")?.dataset.state === "off"`, 15*time.Second)
	for _, lang := range []string{"en", "ko", "zh"} {
		c.switchLanguage(lang)
		c.b.screenshot(t, "readiness-"+lang)
	}
	if n := countAudit(t, org, ag.ID, "ceremony.joined"); n != 1 {
		t.Errorf("%d ceremony.joined events, want 1", n)
	}
	if n := countAudit(t, org, ag.ID, "ceremony.muted"); n < 1 {
		t.Errorf("%d ceremony.muted events, want at least 1", n)
	}
}

// TestRecordAndAdminInChromium: the agreement page shows the state, a timeline and the audit
// trail of an agreement built and scheduled in the console; an administrator creates an
// organizer account (a short password refused beside its field), takes a role away, disables
// an account and rotates the token-signing key, all in the admin pages.
func TestRecordAndAdminInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.organizer(t, "organizer", "a long enough password")
	s.AddUser(t, "root", "an admin's long password", "admin")
	en := catalog(t, "en")
	c := newConsoleUI(t, s, "en")
	c.login("organizer", "a long enough password")
	ag := c.build(smallMOU())
	c.schedule()
	c.click(`#ag-tabs [data-tab="record"]`)
	c.b.waitFor(t, "timeline", `document.querySelectorAll("#timeline li").length >= 3`, 15*time.Second)
	for _, typ := range []string{"agreement.created", "documents.frozen", "agreement.scheduled"} {
		if got := c.text(`#timeline li[data-type="` + typ + `"]`); !strings.Contains(got, en["event."+typ]) {
			t.Errorf("timeline entry %s = %q, want %q", typ, got, en["event."+typ])
		}
	}
	if n := c.count(`#audit-table tbody tr[data-type="invitation.issued"]`); n != 3 {
		t.Errorf("audit trail lists %d invitation.issued, want 3", n)
	}
	if got := c.text(`#audit-table tbody tr[data-type="invitation.issued"]`); !strings.Contains(got, "organizer") || !strings.Contains(got, "Wang") && !strings.Contains(got, "Kim") && !strings.Contains(got, "MC Park") {
		t.Errorf("audit line = %q, want the organizer and the participant by name", got)
	}
	if !eval[bool](t, c.b, `document.querySelector("#record-downloads").hidden && !document.querySelector("#record-not-sealed").hidden`) {
		t.Error("downloads offered before the seal")
	}
	for _, lang := range []string{"en", "ko", "zh"} {
		c.switchLanguage(lang)
		c.b.screenshot(t, "record-"+lang)
	}
	_ = ag

	a := newConsoleUI(t, s, "en")
	a.login("root", "an admin's long password")
	a.b.waitFor(t, "admin link", `!document.querySelector("#nav-admin").hidden`, 10*time.Second)
	a.b.waitFor(t, "accounts", `document.querySelectorAll("#users-table tbody tr").length === 2`, 15*time.Second)
	a.set("#user-name", "lee")
	a.set("#user-display", "Lee Organizer")
	a.set("#user-password", "short")
	a.click(`#user-form input[value="organizer"]`)
	a.click(`#user-form input[value="legal"]`)
	a.click("#user-form button[type=submit]")
	a.b.waitFor(t, "password refused", `document.querySelector('#user-form .field-error[data-for-field="password"]') !== null`, 10*time.Second)
	a.set("#user-password", "a long enough password for lee")
	a.click("#user-form button[type=submit]")
	row := `#users-table tr[data-username="lee"]`
	a.b.waitFor(t, "lee listed", `document.querySelector(`+jsString(row)+`) !== null`, 10*time.Second)
	a.click(row + ` input[data-role="legal"]`)
	a.b.waitFor(t, "legal role taken away", `document.querySelector(`+jsString(row)+`).dataset.roles === "organizer"`, 10*time.Second)
	a.click(row + " .row-actions button")
	a.b.waitFor(t, "lee disabled", `document.querySelector(`+jsString(row)+`).dataset.disabled === "true"`, 10*time.Second)
	before := a.count(`#keys-list li`)
	a.click("#rotate-key")
	a.waitCount("a second key", "#keys-list li", before+1)
	if n := a.count(`#keys-list li[data-active="true"]`); n != 1 {
		t.Errorf("%d active keys, want 1", n)
	}
	for _, lang := range []string{"en", "ko", "zh"} {
		a.switchLanguage(lang)
		a.b.screenshot(t, "admin-"+lang)
	}
	// The disabled account cannot sign in.
	l := newConsoleUI(t, s, "en")
	l.b.run(t, "sign in as lee", chromedp.SendKeys(chromedp.CSS("#username"), "lee"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password for lee"), chromedp.Click(chromedp.CSS("#login-submit")))
	l.b.waitFor(t, "refused", `!document.querySelector("#login-error").hidden`, 10*time.Second)
}
