package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// iceRestartWatch counts the page's ICE restart offers (createOffer with iceRestart) and
// records every state the connection banner shows, in order.
const iceRestartWatch = `(() => {
  window.iceRestarts = 0;
  const real = RTCPeerConnection.prototype.createOffer;
  RTCPeerConnection.prototype.createOffer = function (opts) {
    if (opts && opts.iceRestart) window.iceRestarts++;
    return real.apply(this, arguments);
  };
  window.bannerStates = [];
  document.addEventListener("DOMContentLoaded", () => {
    const el = document.querySelector("#connection-banner");
    new MutationObserver(() => {
      const s = el.hidden ? "" : el.dataset.state;
      if (s && window.bannerStates.at(-1) !== s) window.bannerStates.push(s);
    }).observe(el, { attributes: true, attributeFilter: ["hidden", "data-state"] });
  });
})()`

// TestICERestartInChromium: a network change the browser reports (its "online" event) makes
// the call restart ICE on both peer connections without leaving the session: the same
// WebSocket stays open, the publisher connection offers an ICE restart and the server makes
// a restart offer for the subscriber connection, the banner shows "reconnecting…" once and
// then "back", the others see no leave or join, and video plays on both ways.
func TestICERestartInChromium(t *testing.T) {
	chromiumPath(t)
	s := startService(t)
	s.failOnWarnings(t)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)

	host := newBrowser(t, "host")
	kim := newBrowser(t, "kim")
	kim.run(t, "watch sockets and restarts", onNewDocument(cuttableSockets), onNewDocument(iceRestartWatch))
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "en"), "")
	waitRemoteVideo(t, host, m.Kim)
	waitRemoteVideo(t, kim, m.Host)
	sockets := eval[int](t, kim, `window.sockets.length`)
	hostLines := eval[int](t, host, `document.querySelectorAll("#feed li").length`)
	restartsLogged := strings.Count(s.Logs.String(), "subscriber ICE restart offered")

	eval[bool](t, kim, `(window.dispatchEvent(new Event("online")), true)`)
	kim.waitFor(t, "back banner", `window.bannerStates.includes("back")`, 20*time.Second)
	kim.screenshot(t, "ice-restart-back-en")

	if got := eval[string](t, kim, `window.bannerStates.join(",")`); got != "reconnecting,back" {
		t.Errorf("banner states = %q, want reconnecting,back (one banner)", got)
	}
	if got := eval[int](t, kim, `window.iceRestarts`); got != 1 {
		t.Errorf("%d ICE restart offers from the publisher connection, want 1", got)
	}
	if got := strings.Count(s.Logs.String(), "subscriber ICE restart offered") - restartsLogged; got != 1 {
		t.Errorf("server made %d subscriber ICE restart offers, want 1", got)
	}
	if got := eval[int](t, kim, `window.sockets.length`); got != sockets {
		t.Errorf("%d WebSockets opened by the restart, want none (no rejoin)", got-sockets)
	}
	if !eval[bool](t, kim, `window.sockets.at(-1).readyState === WebSocket.OPEN`) {
		t.Error("the signaling socket closed during the ICE restart")
	}
	if got := eval[int](t, host, `document.querySelectorAll("#feed li").length`); got != hostLines {
		t.Errorf("the host's live events gained %d lines, want none (no leave or join): %s", got-hostLines,
			eval[string](t, host, `[...document.querySelectorAll("#feed li")].map(li => li.dataset.key).join(", ")`))
	}
	for _, side := range []struct {
		b  *browser
		of string
	}{{host, m.Kim}, {kim, m.Host}} {
		video := remoteTile(side.of) + `.querySelector("video")`
		now := eval[float64](t, side.b, video+`.currentTime`)
		side.b.waitFor(t, "video plays on after the restart", video+`.currentTime > `+strconv.FormatFloat(now+1, 'f', 3, 64), 15*time.Second)
	}
}

// TestUDPCutMidCallRestartsICEInChromium: the venue's firewall starts blocking UDP in the
// middle of the call (it lets out only web traffic from then on: the server's web port and
// the TURN TLS port). Chromium's media path dies while its WebSocket lives; the call restarts
// ICE on both connections on the same session and gets media back through the embedded TURN
// over TLS: the banner shows "reconnecting…" once, then "back"; no new WebSocket; both
// connections select relay/tls; video flows both ways again. It logs the time from the cut
// to "back" (docs/benchmarks.md).
func TestUDPCutMidCallRestartsICEInChromium(t *testing.T) {
	chromiumPath(t)
	v := newVenueNet(t)
	s, spki, ports := startTURNService(t, v)
	org := s.organizer(t, "organizer", "a long enough password")
	m := setUpCeremony(t, org)

	host := newBrowserWith(t, "host", secureOrigin(s))
	kim := newBrowserIn(t, "kim", v, secureOrigin(s), trustTURN(spki))
	kim.run(t, "watch sockets, restarts and connections", onNewDocument(cuttableSockets),
		onNewDocument(iceRestartWatch), onNewDocument(collectPeerConnections))
	join(t, host, m.JoinURL(s.base, m.Host, "en"), "")
	join(t, kim, m.JoinURL(s.base, m.Kim, "en"), "")
	waitRemoteVideo(t, kim, m.Host)
	waitRemoteVideo(t, host, m.Kim)
	if pairs := evalAwait[string](t, kim, selectedPairs); strings.Contains(pairs, "relay") || strings.Contains(pairs, "none") {
		t.Fatalf("before the cut kim's selected pairs are %s, want direct UDP (host candidates)", pairs)
	}
	sockets := eval[int](t, kim, `window.sockets.length`)
	joinsAndLeaves := `[...document.querySelectorAll("#feed li")].filter((li) => /^feed\.(joined|left)/.test(li.dataset.key)).length`
	hostLines := eval[int](t, host, joinsAndLeaves)

	start := time.Now()
	v.blockUDP(t, ports...)
	kim.waitFor(t, "back banner", `window.bannerStates.includes("back")`, 60*time.Second)
	t.Logf("UDP cut → media connected again over TURN/TLS (banner back): %v", time.Since(start).Round(100*time.Millisecond))
	kim.screenshot(t, "udp-cut-back-en")

	if got := eval[string](t, kim, `window.bannerStates.join(",")`); got != "reconnecting,back" {
		t.Errorf("banner states = %q, want reconnecting,back (one banner)", got)
	}
	if got := eval[int](t, kim, `window.iceRestarts`); got < 1 {
		t.Errorf("no ICE restart offer from the publisher connection")
	}
	if got := eval[int](t, kim, `window.sockets.length`); got != sockets {
		t.Errorf("%d WebSockets opened, want none (the session stays)", got-sockets)
	}
	pairs := evalAwait[string](t, kim, selectedPairs)
	if got := strings.Split(pairs, ","); len(got) != 2 || got[0] != "relay/tls" || got[1] != "relay/tls" {
		t.Errorf("after the cut kim's selected pairs = %s, want relay/tls on both", pairs)
	}
	mediaFlows(t, kim)
	host.waitFor(t, "the server sees kim present again", remoteTile(m.Kim)+`.querySelector(".tile-unreachable").hidden`, 15*time.Second)
	video := remoteTile(m.Kim) + `.querySelector("video")`
	now := eval[float64](t, host, video+`.currentTime`)
	host.waitFor(t, "kim's video plays again at the host", video+`.currentTime > `+strconv.FormatFloat(now+1, 'f', 3, 64), 15*time.Second)
	// The host's live events tell that kim's media was unreachable and is back (presence);
	// they must not tell that kim left or joined.
	if got := eval[int](t, host, joinsAndLeaves); got != hostLines {
		t.Errorf("the host's live events gained %d leave or join lines, want none: %s", got-hostLines,
			eval[string](t, host, `[...document.querySelectorAll("#feed li")].map(li => li.dataset.key).join(", ")`))
	}
}
