package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// remoteTile selects the tile of participant id as a JavaScript expression.
func remoteTile(id string) string {
	return `document.querySelector('.tile[data-participant-id=` + jsString(id) + `]')`
}

// join opens an invitation link, waits for the camera preview and clicks Join.
func join(t *testing.T, b *browser, url, shot string) {
	t.Helper()
	b.run(t, "open invitation", chromedp.Navigate(url))
	b.waitFor(t, "lobby ready", `document.body.dataset.ready === "true"`, 15*time.Second)
	b.waitFor(t, "camera preview", `document.querySelector("#preview").videoWidth > 0 && !document.querySelector("#join-button").disabled`, 60*time.Second) // three Chromiums start their fake cameras on two cores
	if shot != "" {
		b.screenshot(t, shot)
	}
	b.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
}

// waitRemoteVideo waits until the tile of participant id plays video: frames decoded and
// currentTime advancing. It returns join click → first remote frame in milliseconds.
func waitRemoteVideo(t *testing.T, b *browser, id string) float64 {
	t.Helper()
	video := remoteTile(id) + `?.querySelector("video")`
	b.waitFor(t, "remote video of "+id, video+`?.videoWidth > 0`, 30*time.Second)
	before := eval[float64](t, b, video+`.currentTime`)
	b.waitFor(t, "remote video advancing", video+`.currentTime > `+strconv.FormatFloat(before+0.3, 'f', 3, 64), 10*time.Second)
	b.waitFor(t, "first frame recorded", `document.body.dataset.firstRemoteFrameAt !== undefined`, 5*time.Second)
	return eval[float64](t, b, `Number(document.body.dataset.firstRemoteFrameAt) - Number(document.body.dataset.joinClickedAt)`)
}

// TestCeremonyInChromium: the MC (Korean UI) and a signatory in the other venue (English
// UI) join the live ceremony from two Chromium browsers with their invitation links; each
// sees the other's video; the MC mutes the signatory; the organizer revokes the
// signatory's invitation.
func TestCeremonyInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.failOnWarnings(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)
	ko, en := catalog(t, "ko"), catalog(t, "en")

	parent := t // browsers made in subtests live until the end of the whole test
	host := newBrowser(t, "host")
	wang := newBrowser(t, "wang")
	join(t, host, m.JoinURL(s.base, m.Host, "ko"), "join-ko")
	join(t, wang, m.JoinURL(s.base, m.Wang, "en"), "join-en")

	t.Run("each sees the other", func(t *testing.T) {
		hostMs := waitRemoteVideo(t, host, m.Wang)
		wangMs := waitRemoteVideo(t, wang, m.Host)
		t.Logf("join click -> first remote frame: %.0f ms joining a room where the other already publishes; %.0f ms for the first joiner (includes waiting for the other to open the page and join)", wangMs, hostMs)
		for _, b := range []*browser{host, wang} {
			if n := eval[int](t, b, `document.querySelectorAll(".tile").length`); n != 2 {
				t.Errorf("%s shows %d tiles, want 2", b.name, n)
			}
			if n := eval[int](t, b, `document.querySelectorAll(".venue").length`); n != 2 {
				t.Errorf("%s shows %d venue groups, want 2", b.name, n)
			}
		}
		if got := eval[string](t, host, `document.querySelector(".venue").dataset.venueId`); got != m.Seoul {
			t.Errorf("host's first venue group = %q, want its own venue %q", got, m.Seoul)
		}
		if got := eval[string](t, host, remoteTile(m.Wang)+`.closest(".venue").querySelector(".venue-name").textContent`); got != m.VenueKo+" · Nanjing" {
			t.Errorf("Korean venue heading = %q, want %q", got, m.VenueKo+" · Nanjing")
		}
		if got := eval[string](t, host, `document.querySelector("#state-banner").textContent`); got != ko["banner.live"] {
			t.Errorf("host banner = %q, want %q", got, ko["banner.live"])
		}
		if got := eval[string](t, host, remoteTile(m.Wang)+`.querySelector(".host-mute").textContent`); got != ko["host.mute"] {
			t.Errorf("host's mute button on the signatory's tile = %q, want %q", got, ko["host.mute"])
		}
		if got := eval[bool](t, wang, `document.querySelector(".host-actions:not([hidden])") === null`); !got {
			t.Error("the signatory (no host grant) sees host actions")
		}
		host.waitFor(t, "quality measured", `document.querySelector("#quality").dataset.level !== "unknown"`, 10*time.Second)
		host.screenshot(t, "ceremony-ko")
		wang.waitFor(t, "quality measured", `document.querySelector("#quality").dataset.level !== "unknown"`, 10*time.Second)
		wang.screenshot(t, "ceremony-en")
	})

	t.Run("host mutes the signatory", func(t *testing.T) {
		host.run(t, "click mute on the signatory's tile", chromedp.Click(chromedp.CSS(`.tile[data-participant-id="`+m.Wang+`"] .host-mute`)))
		wang.waitFor(t, "own microphone shown muted", `document.querySelector("#mic-button").getAttribute("aria-pressed") === "true"`, 10*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#mic-button").textContent`); got != en["ceremony.unmute"] {
			t.Errorf("signatory's mic button = %q, want %q", got, en["ceremony.unmute"])
		}
		wang.waitFor(t, "own tile flagged muted", remoteTile(m.Wang)+`.hasAttribute("data-mic-muted")`, 5*time.Second)
		host.waitFor(t, "host sees the signatory muted", remoteTile(m.Wang)+`.hasAttribute("data-mic-muted")`, 5*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#feed li").dataset.key`); got != "feed.you_were_muted" {
			t.Errorf("signatory's latest feed entry = %q, want feed.you_were_muted", got)
		}
	})

	t.Run("narrow screen", func(t *testing.T) {
		host.screenshot(t, "ceremony-host-muted-ko")
		wang.run(t, "phone-sized viewport", chromedp.EmulateViewport(390, 844))
		defer wang.run(t, "desktop viewport", chromedp.EmulateViewport(1280, 720))
		wang.waitFor(t, "layout settles", `document.querySelector(".venue").getBoundingClientRect().width < 390`, 5*time.Second)
		if overflow := eval[int](t, wang, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
			t.Errorf("page is %d px wider than a 390 px screen", overflow)
		}
		wang.screenshot(t, "ceremony-narrow-en")
	})

	t.Run("language switch in the live view", func(t *testing.T) {
		eval[bool](t, wang, `(s => { s.value = "ko"; return s.dispatchEvent(new Event("change")); })(document.querySelector("#lang-select"))`)
		wang.waitFor(t, "Korean text", `document.querySelector("#leave-button").textContent === `+jsString(ko["ceremony.leave"]), 5*time.Second)
		wang.screenshot(t, "ceremony-switched-ko")
	})

	t.Run("same invitation elsewhere replaces the old session", func(t *testing.T) {
		old := wang
		wang = newBrowser(parent, "wang-2")
		join(t, wang, m.JoinURL(s.base, m.Wang, "en"), "")
		old.waitFor(t, "old tab told it was replaced", `document.querySelector("#ended").dataset.reason === "replaced"`, 15*time.Second)
		waitRemoteVideo(t, wang, m.Host)
		waitRemoteVideo(t, host, m.Wang)
		if n := eval[int](t, host, `document.querySelectorAll(".tile").length`); n != 2 {
			t.Errorf("host shows %d tiles after the signatory reconnected, want 2", n)
		}
	})

	t.Run("an unreachable participant is flagged on its tile", func(t *testing.T) {
		cut, end := unreachablePeer(t, s.base, m.ID, m.Tokens[m.Kim])
		defer end()
		tile := remoteTile(m.Kim)
		host.waitFor(t, "the Pion participant's tile", tile+` !== null`, 15*time.Second)
		start := time.Now()
		cut()
		host.waitFor(t, "tile flagged unreachable", tile+`?.dataset.unreachable === "media"`, 10*time.Second)
		t.Logf("closed peer connections shown on the host's tile after %v", time.Since(start).Round(time.Millisecond))
		if got := eval[string](t, host, tile+`.querySelector(".tile-unreachable").textContent`); got != ko["tile.unreachable_media"] {
			t.Errorf("unreachable flag = %q, want %q", got, ko["tile.unreachable_media"])
		}
		wang.waitFor(t, "signatory sees the tile flagged", tile+`?.dataset.unreachable === "media"`, 5*time.Second)
		if got := eval[string](t, wang, tile+`.querySelector(".tile-unreachable").textContent`); got != en["tile.unreachable_media"] {
			t.Errorf("signatory's unreachable flag = %q, want %q", got, en["tile.unreachable_media"])
		}
		host.screenshot(t, "unreachable-ko")
		end()
		host.waitFor(t, "the Pion participant's tile gone", tile+` === null`, 10*time.Second)
	})

	t.Run("host removes a participant", func(t *testing.T) {
		kim := newBrowser(parent, "kim")
		join(t, kim, m.JoinURL(s.base, m.Kim, "en"), "")
		host.waitFor(t, "Kim's tile", remoteTile(m.Kim)+` !== null`, 15*time.Second)
		remove := `.tile[data-participant-id="` + m.Kim + `"] .host-remove`
		host.run(t, "click remove", chromedp.Click(chromedp.CSS(remove)))
		if got := eval[string](t, host, `document.querySelector('`+remove+`').textContent`); got != ko["host.remove_confirm"] {
			t.Errorf("after one click the remove button reads %q, want %q", got, ko["host.remove_confirm"])
		}
		host.run(t, "confirm remove", chromedp.Click(chromedp.CSS(remove)))
		kim.waitFor(t, "removed message", `document.querySelector("#ended").dataset.reason === "removed"`, 10*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#ended-text").textContent`); got != en["ended.removed.text"] {
			t.Errorf("removed message = %q, want %q", got, en["ended.removed.text"])
		}
		host.waitFor(t, "Kim's tile gone", remoteTile(m.Kim)+` === null`, 10*time.Second)
		// Coming back with the same link says so again, not "cannot join" or "full".
		rejoin(t, kim)
		kim.waitFor(t, "rejoin refused as removed", `document.querySelector("#ended").dataset.reason === "removed"`, 15*time.Second)
		if got := eval[string](t, kim, `document.querySelector("#ended-text").textContent`); got != en["ended.removed.text"] {
			t.Errorf("rejoin after removal says %q, want %q", got, en["ended.removed.text"])
		}
		kim.screenshot(t, "removed-rejoin-en")
		textIn(t, kim, "removed-rejoin", "#ended-text", "ended.removed.text", "ko", "zh")
	})

	t.Run("revoked invitation", func(t *testing.T) {
		org.Post("/api/agreements/"+m.ID+"/invitations/"+m.Wang+"/revoke", nil, http.StatusOK, nil)
		wang.waitFor(t, "removed message", `!document.querySelector("#ended").hidden`, 10*time.Second)
		if got := eval[string](t, wang, `document.querySelector("#ended").dataset.reason`); got != "revoked" {
			t.Errorf("end reason = %q, want revoked", got)
		}
		if got := eval[string](t, wang, `document.querySelector("#ended-title").textContent`); got != en["ended.revoked.title"] {
			t.Errorf("removed message = %q, want %q", got, en["ended.revoked.title"])
		}
		host.waitFor(t, "signatory's tile gone", remoteTile(m.Wang)+` === null`, 10*time.Second)
		for pid, tok := range m.Tokens {
			if strings.Contains(s.Logs.String(), tok) {
				t.Errorf("the server log contains the invitation token of %s", pid)
			}
		}
		wang.screenshot(t, "removed-en")
		textIn(t, wang, "revoked", "#ended-title", "ended.revoked.title", "ko", "zh")
	})
}
