package signaling_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// stallProxy relays TCP between a client and the server and can stall: while stalled it
// neither reads nor writes either side and closes nothing, like a network that went silent.
type stallProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	resume  chan struct{}
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target, resume: make(chan struct{})}
	close(p.resume)
	var wg sync.WaitGroup
	t.Cleanup(func() { p.setStalled(false); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			wg.Add(2)
			go func() { defer wg.Done(); p.pipe(s, c) }()
			go func() { defer wg.Done(); p.pipe(c, s) }()
			t.Cleanup(func() { c.Close(); s.Close() })
		}
	}()
	return p
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		gate := p.resume
		p.mu.Unlock()
		<-gate
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				_ = src.Close()
			}
			return
		}
	}
}

// setStalled stalls or resumes the relay. Bytes read before the stall and still in the
// buffer are held back until it resumes.
func (p *stallProxy) setStalled(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on == p.stalled {
		return
	}
	p.stalled = on
	if on {
		p.resume = make(chan struct{})
	} else {
		close(p.resume)
	}
}

func (p *stallProxy) url(h *harness, agreement string) string {
	u := h.url(agreement)
	host := strings.TrimPrefix(h.srv.URL, "http://")
	return strings.Replace(u, host, p.ln.Addr().String(), 1)
}

// presenceOf waits for a presence message about pid with the wanted state.
func presenceOf(t *testing.T, p *peer, pid, state string, d time.Duration) protocol.ServerMessage {
	t.Helper()
	return waitEventWhere(t, p.c, protocol.TypePresence, d, func(m protocol.ServerMessage) bool {
		return m.ParticipantID == pid && m.State == state
	})
}

// joinVia joins through the proxy and publishes media, waiting until the observer gets it.
func joinVia(t *testing.T, h *harness, px *stallProxy, observer *peer, pid string) *peer {
	t.Helper()
	ctx := testCtx(t)
	tok, _ := h.invite("mou", pid, "signatory")
	p, err := h.joinURL(ctx, px.url(h, "mou"), tok)
	if err != nil {
		t.Fatalf("join %s through the proxy: %v", pid, err)
	}
	if err := p.publish(ctx, pid, media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media from "+pid, func() bool { return observer.count(pid, "video") > 5 })
	return p
}

// TestSilentSocketIsAnnounced stalls a participant's WebSocket (its media still flows): the
// others hear within 5 s that it is unreachable for "network", and that it is present again
// once its socket carries frames again.
func TestSilentSocketIsAnnounced(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	px := newStallProxy(t, strings.TrimPrefix(h.srv.URL, "http://"))
	obs := h.mustJoin(ctx, "mou", "obs", "witness")
	joinVia(t, h, px, obs, "silent")
	time.Sleep(3 * time.Second) // several ping rounds answered while healthy
	start := time.Now()
	px.setStalled(true)
	m := presenceOf(t, obs, "silent", protocol.PresenceUnreachable, 8*time.Second)
	delay := time.Since(start)
	t.Logf("silent socket announced unreachable after %v (reason %s)", delay.Round(time.Millisecond), m.Reason)
	if m.Reason != protocol.UnreachableNetwork {
		t.Errorf("reason = %q, want %q", m.Reason, protocol.UnreachableNetwork)
	}
	if delay > 5*time.Second {
		t.Errorf("announced after %v, want within 5s", delay)
	}
	late := h.mustJoin(ctx, "mou", "late", "observer")
	for _, p := range late.c.Welcome().Participants {
		if p.ID == "silent" && p.Unreachable != protocol.UnreachableNetwork {
			t.Errorf("welcome lists silent with unreachable=%q, want %q", p.Unreachable, protocol.UnreachableNetwork)
		}
	}
	start = time.Now()
	px.setStalled(false)
	presenceOf(t, obs, "silent", protocol.PresencePresent, 8*time.Second)
	t.Logf("present again %v after the socket resumed", time.Since(start).Round(time.Millisecond))
}

// TestClosedPeerConnectionsAreAnnounced: a client that closes its peer connections but keeps
// its socket open is announced unreachable for "media" within 5 s.
func TestClosedPeerConnectionsAreAnnounced(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	obs := h.mustJoin(ctx, "mou", "obs", "signatory")
	if err := obs.publish(ctx, "obs", media); err != nil {
		t.Fatal(err)
	}
	quiet := h.mustJoin(ctx, "mou", "quiet", "signatory")
	if err := quiet.publish(ctx, "quiet", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media both ways", func() bool {
		return obs.count("quiet", "video") > 5 && quiet.count("obs", "video") > 5
	})
	start := time.Now()
	_ = quiet.c.PublisherPC().Close()
	_ = quiet.c.SubscriberPC().Close()
	m := presenceOf(t, obs, "quiet", protocol.PresenceUnreachable, 8*time.Second)
	delay := time.Since(start)
	t.Logf("closed peer connections announced unreachable after %v (reason %s)", delay.Round(time.Millisecond), m.Reason)
	if m.Reason != protocol.UnreachableMedia {
		t.Errorf("reason = %q, want %q", m.Reason, protocol.UnreachableMedia)
	}
	if delay > 5*time.Second {
		t.Errorf("announced after %v, want within 5s", delay)
	}
	self := presenceOf(t, quiet, "quiet", protocol.PresenceUnreachable, 2*time.Second)
	if self.Reason != protocol.UnreachableMedia {
		t.Errorf("presence sent to the participant itself: reason %q, want %q", self.Reason, protocol.UnreachableMedia)
	}
	select {
	case <-quiet.c.Done():
		t.Errorf("the server closed the socket of an unreachable participant before the grace period")
	default:
	}
}

// TestUnreachableLeavesAfterGrace: a participant unreachable for the grace period is ended and
// announced as participant_left with reason connection_lost, never as a deliberate "left".
func TestUnreachableLeavesAfterGrace(t *testing.T) {
	h := newHarness(t, signaling.Config{PresenceGrace: 2 * time.Second})
	ctx := testCtx(t)
	px := newStallProxy(t, strings.TrimPrefix(h.srv.URL, "http://"))
	obs := h.mustJoin(ctx, "mou", "obs", "witness")
	joinVia(t, h, px, obs, "gone")
	start := time.Now()
	px.setStalled(true)
	presenceOf(t, obs, "gone", protocol.PresenceUnreachable, 8*time.Second)
	left := waitEvent(t, obs.c, protocol.TypeParticipantLeft, 8*time.Second)
	t.Logf("participant_left %v after the stall", time.Since(start).Round(time.Millisecond))
	if left.ParticipantID != "gone" || left.Reason != protocol.ReasonLost {
		t.Errorf("participant_left = %s/%s, want gone/%s", left.ParticipantID, left.Reason, protocol.ReasonLost)
	}
}

// TestLeaveIsLeft: a client that says leave is announced as left, not lost.
func TestLeaveIsLeft(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	obs := h.mustJoin(ctx, "mou", "obs", "witness")
	p := h.mustJoin(ctx, "mou", "bye", "signatory")
	_ = p.c.Close()
	left := waitEvent(t, obs.c, protocol.TypeParticipantLeft, 5*time.Second)
	if left.ParticipantID != "bye" || left.Reason != protocol.ReasonLeft {
		t.Errorf("participant_left = %s/%s, want bye/left", left.ParticipantID, left.Reason)
	}
}

// silentNet is the operating system's network for a client's peer connections, with a
// switch that makes every UDP socket drop what it sends and receives (closing nothing), like
// a path on which UDP stopped.
type silentNet struct {
	*stdnet.Net
	silent atomic.Bool
}

func (n *silentNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	return &silentConn{UDPConn: c, net: n}, nil
}

type silentConn struct {
	transport.UDPConn
	net *silentNet
}

func (c *silentConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.net.silent.Load() {
		return len(b), nil
	}
	return c.UDPConn.WriteTo(b, addr)
}

func (c *silentConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.net.silent.Load() {
			return n, addr, err
		}
	}
}

// TestSilentMediaIsAnnounced: a participant whose UDP path goes silent (its socket stays
// open and answers) is announced unreachable for "media" within 5 s.
func TestSilentMediaIsAnnounced(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	obs := h.mustJoin(ctx, "mou", "obs", "witness")
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	sn := &silentNet{Net: std}
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true, Net: sn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	tok, _ := h.invite("mou", "udp-cut", "signatory")
	p, err := h.joinAPI(ctx, h.url("mou"), tok, api.API)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.publish(ctx, "udp-cut", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media from udp-cut", func() bool { return obs.count("udp-cut", "video") > 5 })
	start := time.Now()
	sn.silent.Store(true)
	m := presenceOf(t, obs, "udp-cut", protocol.PresenceUnreachable, 8*time.Second)
	delay := time.Since(start)
	t.Logf("silent media announced unreachable after %v (reason %s)", delay.Round(time.Millisecond), m.Reason)
	if m.Reason != protocol.UnreachableMedia {
		t.Errorf("reason = %q, want %q", m.Reason, protocol.UnreachableMedia)
	}
	if delay > 5*time.Second {
		t.Errorf("announced after %v, want within 5s", delay)
	}
	start = time.Now()
	sn.silent.Store(false)
	presenceOf(t, obs, "udp-cut", protocol.PresencePresent, 8*time.Second)
	t.Logf("present again %v after UDP resumed", time.Since(start).Round(time.Millisecond))
}
