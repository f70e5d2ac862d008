package signaling_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// freeTCPPort finds a currently free loopback port (ICETCPPort 0 means off).
func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestICETCPFallback(t *testing.T) {
	h := newHarness(t, signaling.Config{ICETCPPort: freeTCPPort(t)})
	ctx := testCtx(t)
	pub := h.mustJoin(ctx, "mou", "venue", "venue")
	if err := pub.publish(ctx, "v", media); err != nil {
		t.Fatal(err)
	}
	tcpAPI, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true,
		NetworkTypes: []webrtc.NetworkType{webrtc.NetworkTypeTCP4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tcpAPI.Close() })
	tok, _ := h.invite("mou", "behind-firewall", "observer")
	p := &peer{packets: map[string]int{}, firstKey: map[string]bool{}}
	c, err := client.Dial(ctx, h.url("mou"), tok, client.Options{API: tcpAPI.API, OnTrack: p.onTrack})
	if err != nil {
		t.Fatal(err)
	}
	p.c = c
	t.Cleanup(p.close)
	waitFor(t, 20*time.Second, "video over ICE-TCP", func() bool { return p.count("venue", "video") > 10 })
}

func TestPublicIPsAreAnnounced(t *testing.T) {
	h := newHarness(t, signaling.Config{PublicIPs: []string{"203.0.113.7"},
		ICEServers: []webrtc.ICEServer{{URLs: []string{"stun:stun.example.org:3478"}}}})
	ctx := testCtx(t)
	tok, _ := h.invite("mou", "p", "signatory")
	var mu sync.Mutex
	var cands []string
	c, err := client.Dial(ctx, h.url("mou"), tok, client.Options{API: h.api.API,
		OnServerCandidate: func(_ string, c protocol.Candidate) {
			mu.Lock()
			cands = append(cands, c.Candidate)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if got := c.Welcome().ICEServers; len(got) != 1 || got[0].URLs[0] != "stun:stun.example.org:3478" {
		t.Errorf("welcome ice_servers = %+v, want the configured STUN server", got)
	}
	src, err := client.NewSource("p")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, nil, src.Audio); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a server candidate", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(cands) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	for _, cand := range cands {
		if !strings.Contains(cand, "203.0.113.7") || strings.Contains(cand, "127.0.0.1") {
			t.Errorf("server candidate %q, want the public IP only", cand)
		}
	}
}

// TestWelcomeICEServersPerParticipant: the configured servers (an external TURN, --ice-servers)
// come first and the same for everyone, then each participant's own (the embedded TURN's
// credentials), made from its participant id and its invitation's expiry.
func TestWelcomeICEServersPerParticipant(t *testing.T) {
	shared := webrtc.ICEServer{URLs: []string{"turn:turn.example.org:3478"}, Username: "u", Credential: "c"}
	h := newHarness(t, signaling.Config{ICEServers: []webrtc.ICEServer{shared},
		ICEServersFor: func(pid string, exp time.Time) []webrtc.ICEServer {
			return []webrtc.ICEServer{{URLs: []string{"turn:own.example.org:3478"}, Username: pid + "@" + exp.UTC().Format(time.RFC3339), Credential: "x"}}
		}})
	ctx := testCtx(t)
	for _, pid := range []string{"kim", "wang"} {
		tok, adm := h.invite("mou", pid, "signatory")
		c, err := client.Dial(ctx, h.url("mou"), tok, client.Options{API: h.api.API})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		got := c.Welcome().ICEServers
		want := pid + "@" + adm.ExpiresAt.UTC().Format(time.RFC3339)
		if len(got) != 2 || got[0].URLs[0] != shared.URLs[0] || got[0].Username != "u" || got[1].Username != want {
			t.Errorf("%s's welcome ice_servers = %+v, want the shared server then its own (%s)", pid, got, want)
		}
	}
}
