package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/internal/apitest"
)

// expiredLink makes participant pid's invitation token as the running service issues it
// (its key, its issuer name) but expired two hours ago.
func expiredLink(t *testing.T, s *service, m *apitest.MOU, pid string) string {
	t.Helper()
	_, payload, _ := strings.Cut(m.Tokens[pid], ".")
	payload, _, _ = strings.Cut(payload, ".")
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var claims auth.JoinClaims
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	keys, err := auth.LoadOrCreateKeyRing(s.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	past := auth.NewIssuer(keys, claims.Issuer, func() time.Time { return time.Now().Add(-3 * time.Hour) })
	tok, _, err := past.IssueJoin(auth.JoinClaims{Participant: pid, Agreement: m.ID, Role: claims.Role, Grants: claims.Grants}, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestInvitationErrorsInChromium opens links that no longer work — damaged, expired,
// revoked, reissued, of a cancelled ceremony — in one browser: each says what happened and
// what to do in its own words, in English, Korean and Chinese.
func TestInvitationErrorsInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := apitest.SetUpMOU(t, org, "sequential")
	cancelled := apitest.SetUpMOU(t, org, "sequential")
	base := "/api/agreements/" + m.ID
	expired := expiredLink(t, s, m, m.Kim)
	reissued := m.Tokens[m.Host]
	org.Post(base+"/invitations/"+m.Host+"/reissue", nil, http.StatusOK, nil)
	org.Post(base+"/invitations/"+m.Wang+"/revoke", nil, http.StatusOK, nil)
	org.Post("/api/agreements/"+cancelled.ID+"/cancel", nil, http.StatusOK, nil)
	cats := map[string]map[string]string{"en": catalog(t, "en"), "ko": catalog(t, "ko"), "zh": catalog(t, "zh")}

	b := newBrowser(t, "participant")
	cases := []struct{ name, token, code string }{
		{"damaged", m.Tokens[m.Kim][:len(m.Tokens[m.Kim])-12], "invitation_damaged"},
		{"expired", expired, "invitation_expired"},
		{"revoked", m.Tokens[m.Wang], "invitation_revoked"},
		{"reissued", reissued, "invitation_reissued"},
		{"cancelled", cancelled.Tokens[cancelled.Kim], "invitation_cancelled"},
	}
	seen := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b.run(t, "leave the page", chromedp.Navigate("about:blank"))
			b.run(t, "open the link", chromedp.Navigate(s.base+"/app/join.html?lang=en#token="+c.token))
			for _, lang := range []string{"en", "ko", "zh"} {
				if lang != "en" {
					switchLanguage(t, b, lang)
				}
				b.waitFor(t, "refusal shown", `!document.querySelector("#page-error").hidden`, 15*time.Second)
				want := cats[lang]["join.error."+c.code]
				if got := eval[string](t, b, `document.querySelector("#page-error").textContent`); got != want {
					t.Errorf("%s: page says %q, want %q", lang, got, want)
				}
				if !eval[bool](t, b, `document.querySelector("#lobby").hidden && document.querySelector("#ceremony").hidden`) {
					t.Errorf("%s: the lobby or the room shows under the refusal", lang)
				}
				b.screenshot(t, "invitation-"+c.name+"-"+lang)
			}
			// Each case has its own text, not one "invalid invitation" for all.
			text := cats["en"]["join.error."+c.code]
			if other, ok := seen[text]; ok {
				t.Errorf("%s says the same as %s: %q", c.name, other, text)
			}
			seen[text] = c.name
		})
	}
}
