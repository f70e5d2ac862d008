package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
	c.b.waitFor(c.t, "agreements list", `!document.querySelector("#list-view").hidden`, 10*time.Second)
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
	c.b.waitFor(c.t, "document listed", `document.querySelector(`+jsString(card)+`) !== null`, 30*time.Second)
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
	c.b.waitFor(t, "language error", `document.querySelector('#document-form .field-error[data-for-field="language"]') !== null`, 15*time.Second)
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
	}
}
