package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// TestTilesInChromium: every tile shows name, title and party; an observer (no media) is
// listed under the stage, not tiled; with six tiles the call controls stay in view; the host's mute and remove buttons name the person for
// screen readers; after Join the focus is on the first call control that works.
func TestTilesInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := apitest.SetUpMOUWith(t, org, "sequential", apitest.MOUOptions{Observer: true, Witnesses: 4})
	org.Post("/api/agreements/"+m.ID+"/start", nil, http.StatusOK, nil)
	en, ko, zh := catalog(t, "en"), catalog(t, "ko"), catalog(t, "zh")

	host := newBrowser(t, "host")
	kim := newBrowser(t, "kim")
	obs := newBrowser(t, "observer")
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	host.waitFor(t, "focus on the microphone control", `document.activeElement?.id === "mic-button"`, 5*time.Second)
	join(t, kim, m.JoinURL(s.base, m.Kim, "ko"), "")
	obs.run(t, "open invitation", chromedp.Navigate(m.JoinURL(s.base, m.Observer, "zh")))
	obs.waitFor(t, "lobby ready", `document.body.dataset.ready === "true" && !document.querySelector("#join-button").disabled`, 15*time.Second)
	obs.run(t, "click Join", chromedp.Click(chromedp.CSS("#join-button")))
	obs.waitFor(t, "focus on Leave (an observer has no microphone or camera)", `document.activeElement?.id === "leave-button"`, 5*time.Second)

	var witnesses []string
	for _, pid := range m.Witnesses {
		witnesses = append(witnesses, m.Tokens[pid])
	}
	quietPeers(t, s.base, m.ID, witnesses)

	list := `document.querySelector('#observers li[data-participant-id=` + jsString(m.Observer) + `]')`
	t.Run("tiles and the observer list", func(t *testing.T) {
		host.waitFor(t, "Kim's tile", remoteTile(m.Kim)+` !== null`, 15*time.Second)
		host.waitFor(t, "observer listed", list+` !== null`, 15*time.Second)
		if got, want := eval[string](t, host, remoteTile(m.Kim)+`.querySelector(".tile-title").textContent`), "Governor · Gangwon Province"; got != want {
			t.Errorf("Kim's tile title = %q, want %q", got, want)
		}
		if got, want := eval[string](t, kim, remoteTile(m.Kim)+`.querySelector(".tile-title").textContent`), "Governor · 강원도"; got != want {
			t.Errorf("Kim's own tile title (Korean) = %q, want %q", got, want)
		}
		for _, b := range []*browser{host, kim, obs} {
			b.waitFor(t, "observer listed", list+` !== null`, 15*time.Second)
			if eval[bool](t, b, remoteTile(m.Observer)+` !== null`) {
				t.Errorf("%s: the observer has a tile", b.name)
			}
			b.waitFor(t, "six tiles (host, Kim, four witnesses)", `document.querySelectorAll(".tile").length === 6`, 15*time.Second)
			if got := eval[string](t, b, list+`.textContent`); !strings.Contains(got, "Observer Liu") || !strings.Contains(got, "Consul") {
				t.Errorf("%s: observer entry %q, want name and title", b.name, got)
			}
		}
		want := strings.ReplaceAll(en["ceremony.observers"], "{n}", "1")
		if got := eval[string](t, host, `document.querySelector("#observers h3").textContent`); got != want {
			t.Errorf("observer heading = %q, want %q", got, want)
		}
		if got, want := eval[string](t, kim, `document.querySelector("#observers h3").textContent`), strings.ReplaceAll(ko["ceremony.observers"], "{n}", "1"); got != want {
			t.Errorf("Korean observer heading = %q, want %q", got, want)
		}
		if got, want := eval[string](t, obs, `document.querySelector("#observers h3").textContent`), strings.ReplaceAll(zh["ceremony.observers"], "{n}", "1"); got != want {
			t.Errorf("Chinese observer heading = %q, want %q", got, want)
		}
		host.screenshot(t, "tiles-en")
		kim.screenshot(t, "tiles-ko")
		obs.screenshot(t, "tiles-zh")
	})

	t.Run("six tiles: the call controls stay in view", func(t *testing.T) {
		// Beside the document view six tiles now fit a 1280x720 viewport (controls in view);
		// the pinning is checked on a viewport the stage overflows (a short window, or a
		// laptop zoomed in).
		const height = 440
		for _, b := range []*browser{host, kim, obs} {
			b.run(t, "laptop viewport", chromedp.EmulateViewport(1280, height))
			defer b.run(t, "1280x720 viewport", chromedp.EmulateViewport(1280, 720))
		}
		controls := `(r => r.top >= 0 && r.bottom <= innerHeight)(document.querySelector(".controls").getBoundingClientRect())`
		for _, b := range []*browser{host, kim, obs} {
			eval[bool](t, b, `(window.scrollTo(0, 0), true)`)
			// The observer's page (no own tile's controls, no signing panel) may fit; the
			// others' must not, or this proves nothing.
			if b != obs && !eval[bool](t, b, `Math.max(...[...document.querySelectorAll(".tile")].map((e) => e.getBoundingClientRect().bottom)) > innerHeight`) {
				t.Fatalf("%s: six tiles fit the 1280x%d viewport; the test needs the stage to overflow it", b.name, height)
			}
			if !eval[bool](t, b, controls) {
				t.Errorf("%s: the call controls are below the fold at the top of the page", b.name)
			}
			eval[bool](t, b, `(window.scrollTo(0, document.querySelector(".venue").getBoundingClientRect().bottom - 200), true)`)
			if !eval[bool](t, b, controls) {
				t.Errorf("%s: the call controls scrolled away among the tiles", b.name)
			}
			eval[bool](t, b, `(window.scrollTo(0, 0), true)`)
		}
		host.screenshot(t, "six-tiles-en")
		kim.screenshot(t, "six-tiles-ko")
		obs.screenshot(t, "six-tiles-zh")
	})

	t.Run("host buttons name the person", func(t *testing.T) {
		tile := remoteTile(m.Kim)
		for sel, key := range map[string]string{".host-mute": "host.mute_named", ".host-remove": "host.remove_named"} {
			want := strings.ReplaceAll(en[key], "{name}", "Kim")
			if got := eval[string](t, host, tile+`.querySelector("`+sel+`").getAttribute("aria-label")`); got != want {
				t.Errorf("%s aria-label = %q, want %q", sel, got, want)
			}
		}
		host.run(t, "arm remove", chromedp.Click(chromedp.CSS(`.tile[data-participant-id="`+m.Kim+`"] .host-remove`)))
		want := strings.ReplaceAll(en["host.remove_confirm_named"], "{name}", "Kim")
		if got := eval[string](t, host, tile+`.querySelector(".host-remove").getAttribute("aria-label")`); got != want {
			t.Errorf("armed remove aria-label = %q, want %q", got, want)
		}
	})

	t.Run("observer leaves the list", func(t *testing.T) {
		obs.run(t, "leave", chromedp.Click(chromedp.CSS("#leave-button")))
		host.waitFor(t, "observer gone from the list", list+` === null && document.querySelector("#observers").hidden`, 10*time.Second)
	})
}

// quietPeers joins the ceremony with one Pion client per token that sends nothing (its tile
// says no camera, no microphone); they leave when the test ends.
func quietPeers(t *testing.T, base, agreement string, tokens []string) {
	t.Helper()
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/agreements/" + agreement + "/ceremony/ws"
	for _, tok := range tokens {
		c, err := client.Dial(ctx, url, tok, client.Options{API: api.API})
		if err != nil {
			t.Fatalf("pion client join: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
}
