package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/apitest"
)

// TestLobbyRevokedInChromium: a signatory waits in the lobby of a ceremony that has not
// started; the organizer revokes the invitation; the lobby stops waiting and says why.
func TestLobbyRevokedInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := apitest.SetUpMOU(t, org, "sequential") // scheduled, not started
	en := catalog(t, "en")
	wang := newBrowser(t, "wang")
	wang.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Wang, "en")))
	wang.waitFor(t, "lobby waiting", `document.body.dataset.ready === "true" && !document.querySelector("#not-live").hidden`, 60*time.Second)
	org.Post("/api/agreements/"+m.ID+"/invitations/"+m.Wang+"/revoke", nil, http.StatusOK, nil)
	wang.waitFor(t, "refusal shown", `!document.querySelector("#page-error").hidden`, 25*time.Second)
	if got := eval[string](t, wang, `document.querySelector("#page-error").textContent`); got != en["join.error.invitation_revoked"] {
		t.Errorf("lobby says %q, want %q", got, en["join.error.invitation_revoked"])
	}
	if !eval[bool](t, wang, `document.querySelector("#lobby").hidden`) {
		t.Error("the lobby stays up (and waits) for a revoked invitation")
	}
	wang.screenshot(t, "lobby-revoked-en")
	textIn(t, wang, "lobby-revoked", "#page-error", "join.error.invitation_revoked", "ko", "zh")
}
