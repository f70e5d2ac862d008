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

// TestHostStartsFromTheLobbyInChromium: the MC opens the invitation of a scheduled ceremony,
// is offered Start the ceremony (a signatory is not), starts it, and Join opens; the
// signatory's waiting lobby opens Join too, and the audit names the MC.
func TestHostStartsFromTheLobbyInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := apitest.SetUpMOU(t, org, "sequential") // scheduled, not started
	host, kim := newBrowser(t, "host"), newBrowser(t, "kim")
	host.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Host, "ko")))
	kim.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Kim, "en")))
	for _, b := range []*browser{host, kim} {
		b.waitFor(t, "lobby waiting", `document.body.dataset.ready === "true" && !document.querySelector("#not-live").hidden`, 60*time.Second)
	}
	if !eval[bool](t, kim, `document.querySelector("#host-start").hidden`) {
		t.Error("a signatory is offered Start the ceremony")
	}
	host.waitFor(t, "Start offered", `!document.querySelector("#host-start").hidden`, 5*time.Second)
	if got, want := eval[string](t, host, `document.querySelector("#host-start-button").textContent`), catalog(t, "ko")["host.start"]; got != want {
		t.Errorf("start button says %q, want %q", got, want)
	}
	host.screenshot(t, "lobby-host-start-ko")
	textIn(t, host, "lobby-host-start", "#host-start-button", "host.start", "en", "zh")
	host.run(t, "click Start the ceremony", chromedp.Click(chromedp.CSS("#host-start-button")))
	host.waitFor(t, "live: Join enabled, Start gone", `document.querySelector("#host-start").hidden && document.querySelector("#not-live").hidden && document.querySelector("#state-banner").dataset.state === "live"`, 10*time.Second)
	var ag struct{ State string }
	org.Do("GET", "/api/agreements/"+m.ID, nil, "", http.StatusOK, &ag)
	if ag.State != "live" {
		t.Fatalf("agreement %s after the host's Start, want live", ag.State)
	}
	var audit struct {
		Events []struct{ Type, Actor string } `json:"events"`
	}
	org.Do("GET", "/api/agreements/"+m.ID+"/audit", nil, "", http.StatusOK, &audit)
	started := false
	for _, ev := range audit.Events {
		if ev.Type == "agreement.live" {
			started = ev.Actor == "participant:"+m.Host
		}
	}
	if !started {
		t.Errorf("no agreement.live audit event by participant:%s in %+v", m.Host, audit.Events)
	}
	// The signatory's lobby checks every 10 s.
	kim.waitFor(t, "Kim's lobby sees it live", `document.querySelector("#not-live").hidden`, 25*time.Second)
}
