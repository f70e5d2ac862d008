package e2e

import (
	"strconv"
	"testing"
	"time"
)

// cuttableSockets keeps the page's WebSockets in window.sockets; while window.outage is set,
// each new one is closed as soon as it opens: the signaling connection can be cut and kept
// down.
const cuttableSockets = `(() => {
  const Real = window.WebSocket;
  window.sockets = [];
  window.outage = false;
  window.WebSocket = class extends Real {
    constructor(url, protocols) {
      super(url, protocols);
      if (window.outage) this.addEventListener("open", () => this.close());
      window.sockets.push(this);
    }
  };
})()`

// TestOutageInChromium: a signaling outage of several failed attempts shows one banner,
// "reconnecting…", then "back", and adds no line to the live events; the call resumes.
// The connection-quality level changes only when a new level holds for three samples.
func TestOutageInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)
	en := catalog(t, "en")

	host := newBrowser(t, "host")
	kim := newBrowser(t, "kim")
	host.run(t, "cuttable sockets", onNewDocument(cuttableSockets))
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "ko"), "")
	waitRemoteVideo(t, host, m.Kim)
	banner := `document.querySelector("#connection-banner")`

	t.Run("one banner for an outage", func(t *testing.T) {
		lines := eval[int](t, host, `document.querySelectorAll("#feed li").length`)
		attempts := eval[int](t, host, `window.sockets.length`)
		eval[bool](t, host, `(window.outage = true, window.sockets.at(-1).close(), true)`)
		host.waitFor(t, "reconnecting banner", `!`+banner+`.hidden && `+banner+`.dataset.state === "reconnecting"`, 10*time.Second)
		if got := eval[string](t, host, banner+`.textContent`); got != en["connection.reconnecting"] {
			t.Errorf("banner = %q, want %q", got, en["connection.reconnecting"])
		}
		host.waitFor(t, "two failed attempts", `window.sockets.length >= `+strconv.Itoa(attempts+3), 20*time.Second)
		host.screenshot(t, "outage-reconnecting-en")
		textIn(t, host, "outage-reconnecting", "#connection-banner", "connection.reconnecting", "ko", "zh")
		if got := eval[int](t, host, `document.querySelectorAll("#feed li").length`); got != lines {
			t.Errorf("the outage added %d live-event lines, want none (the banner tells it)", got-lines)
		}
		eval[bool](t, host, `(window.outage = false, true)`)
		host.waitFor(t, "back banner", `!`+banner+`.hidden && `+banner+`.dataset.state === "back"`, 30*time.Second)
		if got := eval[string](t, host, banner+`.textContent`); got != en["connection.back"] {
			t.Errorf("banner = %q, want %q", got, en["connection.back"])
		}
		host.screenshot(t, "outage-back-en")
		textIn(t, host, "outage-back", "#connection-banner", "connection.back", "ko", "zh")
		if got := eval[int](t, host, `document.querySelectorAll("#feed li").length`); got != lines {
			t.Errorf("the outage and reconnection added %d live-event lines, want none: %s", got-lines,
				eval[string](t, host, `[...document.querySelectorAll("#feed li")].map(li => li.dataset.key).join(", ")`))
		}
		if n := eval[int](t, host, `document.querySelectorAll(".connection-banner").length`); n != 1 {
			t.Errorf("%d connection banners, want 1", n)
		}
		host.waitFor(t, "the call resumes", remoteTile(m.Kim)+`?.querySelector("video").videoWidth > 0`, 30*time.Second)
		host.waitFor(t, "banner goes", banner+`.hidden`, 10*time.Second)
	})

	t.Run("quality level holds", func(t *testing.T) {
		got := evalAwait[string](t, host, `import("/app/js/connection.js").then((m) => { const q = new m.QualityLevel(3);
		  return ["good", "poor", "good", "poor", "fair", "good", "poor", "poor", "poor", "good"].map((l) => q.push(l)).join(","); })`)
		if want := "good,good,good,good,good,good,good,good,poor,poor"; got != want {
			t.Errorf("shown levels = %s, want %s", got, want)
		}
		if got := evalAwait[string](t, host, `import("/app/js/connection.js").then((m) => [m.levelOf(40, 0), m.levelOf(200, 1), m.levelOf(100, 10)].join(","))`); got != "good,fair,poor" {
			t.Errorf("levelOf = %s, want good,fair,poor", got)
		}
	})
}
