package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// catalog reads a frontend string catalog, to compare what pages show with what they should.
func catalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../frontend/i18n/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestLoginListsAgreements signs in on the landing page and finds the agreement in the list,
// in English and in Korean.
func TestLoginListsAgreements(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)

	tests := []struct {
		lang, wantTitle string
	}{
		{"en", m.TitleEn},
		{"ko", m.TitleKo},
		{"zh", "江原道-南京市跨境电商合作备忘录"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			cat := catalog(t, tt.lang)
			b := newBrowser(t, "staff-"+tt.lang)
			b.run(t, "open landing page", chromedp.Navigate(s.base+"/?lang="+tt.lang))
			b.waitFor(t, "page ready", `document.body.dataset.ready === "true"`, 10*time.Second)
			if got := eval[string](t, b, `document.querySelector("#login-heading").textContent`); got != cat["staff.login_heading"] {
				t.Errorf("login heading = %q, want %q", got, cat["staff.login_heading"])
			}
			b.screenshot(t, "landing-"+tt.lang)
			b.run(t, "wrong password",
				chromedp.SendKeys(chromedp.CSS("#username"), "organizer"),
				chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
				chromedp.Click(chromedp.CSS("#login-submit")))
			b.waitFor(t, "error shown", `!document.querySelector("#login-error").hidden`, 10*time.Second)
			if got := eval[string](t, b, `document.querySelector("#login-error").textContent`); got != cat["error.bad_credentials"] {
				t.Errorf("login error = %q, want %q", got, cat["error.bad_credentials"])
			}
			eval[string](t, b, `document.querySelector("#password").value = ""`)
			b.run(t, "sign in",
				chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
				chromedp.Click(chromedp.CSS("#login-submit")))
			row := `document.querySelector('tr[data-agreement-id=` + jsString(m.ID) + `]')`
			b.waitFor(t, "agreement listed", row+` !== null`, 10*time.Second)
			if got := eval[string](t, b, row+`.cells[0].textContent`); got != tt.wantTitle {
				t.Errorf("listed title = %q, want %q", got, tt.wantTitle)
			}
			if got := eval[string](t, b, row+`.cells[1].textContent`); got != cat["state.live"] {
				t.Errorf("listed state = %q, want %q", got, cat["state.live"])
			}
			if got := eval[bool](t, b, `sessionStorage.getItem("signroom.staff_token") !== null`); !got {
				t.Error("the staff token is not kept in sessionStorage")
			}
			if got := eval[string](t, b, `document.querySelector("#who").textContent`); !strings.Contains(got, "organizer") {
				t.Errorf("signed-in line = %q, want the username", got)
			}
			b.screenshot(t, "agreements-"+tt.lang)
		})
	}
}
