package signaling_test

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// movingNet is the operating system's network for a client's peer connections, on which
// the client can move to another network: move makes every UDP socket bound before it dead
// (it drops what it sends and receives, closing nothing, as when the address it was bound
// to is gone), while sockets bound after it work. Only an ICE restart, which gathers new
// candidates on new sockets, brings the media back.
type movingNet struct {
	*stdnet.Net
	mu     sync.Mutex
	epoch  int
	opened map[int]int // sockets bound per epoch
}

func (n *movingNet) ListenUDP(network string, laddr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, laddr)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.opened[n.epoch]++
	return &movingConn{UDPConn: c, net: n, epoch: n.epoch}, nil
}

// move changes networks and returns the new epoch.
func (n *movingNet) move() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.epoch++
	return n.epoch
}

func (n *movingNet) dead(epoch int) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return epoch < n.epoch
}

func (n *movingNet) openedIn(epoch int) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.opened[epoch]
}

type movingConn struct {
	transport.UDPConn
	net   *movingNet
	epoch int
}

func (c *movingConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.net.dead(c.epoch) {
		return len(b), nil
	}
	return c.UDPConn.WriteTo(b, addr)
}

func (c *movingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.net.dead(c.epoch) {
			return n, addr, err
		}
	}
}

// iceUfrag returns the first ice-ufrag of a description.
func iceUfrag(t *testing.T, d *webrtc.SessionDescription) string {
	t.Helper()
	if d == nil {
		t.Fatal("no description")
	}
	for _, line := range strings.Split(d.SDP, "\r\n") {
		if v, ok := strings.CutPrefix(line, "a=ice-ufrag:"); ok {
			return v
		}
	}
	t.Fatal("description without ice-ufrag")
	return ""
}

// TestICERestartAfterNetworkChange: a participant whose network changes mid-call (every UDP
// socket its peer connections had goes dead) gets media back both ways by restarting ICE on
// both connections, on the same session: no rejoin, the others never see it leave or join,
// and both connections use new ICE credentials and new sockets. It logs the time from the
// restart to media flowing again both ways (docs/benchmarks.md).
func TestICERestartAfterNetworkChange(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	obs := h.mustJoin(ctx, "mou", "obs", "witness")
	if err := obs.publish(ctx, "obs", media); err != nil {
		t.Fatal(err)
	}
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	mn := &movingNet{Net: std, opened: map[int]int{}}
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true, Net: mn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.Close() })
	tok, _ := h.invite("mou", "mover", "signatory")
	mover, err := h.joinAPI(ctx, h.url("mou"), tok, api.API)
	if err != nil {
		t.Fatal(err)
	}
	if err := mover.publish(ctx, "mover", media); err != nil {
		t.Fatal(err)
	}
	bothWays := func(up, down int) func() bool {
		return func() bool { return obs.count("mover", "video") > up && mover.count("obs", "video") > down }
	}
	waitFor(t, 20*time.Second, "media both ways", bothWays(5, 5))
	pubUfrag := iceUfrag(t, mover.c.PublisherPC().LocalDescription())
	subUfrag := iceUfrag(t, mover.c.SubscriberPC().RemoteDescription())

	drain(obs)
	epoch := mn.move()
	time.Sleep(500 * time.Millisecond) // packets already on their way arrive
	up, down := obs.count("mover", "video"), mover.count("obs", "video")
	time.Sleep(time.Second)
	if u, d := obs.count("mover", "video"), mover.count("obs", "video"); u != up || d != down {
		t.Fatalf("media still flowed after the network changed (up %d→%d, down %d→%d): the move did not cut the path", up, u, down, d)
	}

	start := time.Now()
	if err := mover.c.RestartICE(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media both ways after the ICE restart", bothWays(up+10, down+10))
	t.Logf("media back both ways %v after the ICE restart", time.Since(start).Round(time.Millisecond))

	if got := iceUfrag(t, mover.c.PublisherPC().LocalDescription()); got == pubUfrag {
		t.Errorf("publisher ice-ufrag unchanged (%s): no ICE restart offered", got)
	}
	if got := iceUfrag(t, mover.c.SubscriberPC().RemoteDescription()); got == subUfrag {
		t.Errorf("server's subscriber ice-ufrag unchanged (%s): the server did not restart ICE", got)
	}
	if n := mn.openedIn(epoch); n < 2 {
		t.Errorf("%d sockets bound on the new network, want at least one per peer connection", n)
	}
	select {
	case <-mover.c.Done():
		t.Fatal("the mover's session ended")
	default:
	}
	for _, m := range drain(obs) {
		if (m.Type == protocol.TypeParticipantLeft && m.ParticipantID == "mover") ||
			(m.Type == protocol.TypeParticipantJoined && m.Participant != nil && m.Participant.ID == "mover") {
			t.Errorf("the observer saw %s for the mover: the restart rejoined", m.Type)
		}
	}
	assertOneSession(t, h, "mover")
}

// assertOneSession checks that a late joiner's welcome lists pid once.
func assertOneSession(t *testing.T, h *harness, pid string) {
	t.Helper()
	late := h.mustJoin(testCtx(t), "mou", "late-"+strings.ToLower(pid), "observer")
	n := 0
	for _, p := range late.c.Welcome().Participants {
		if p.ID == pid {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the room lists %s %d times, want once", pid, n)
	}
}

// drain returns the events a peer received and has not read yet.
func drain(p *peer) []protocol.ServerMessage {
	var out []protocol.ServerMessage
	for {
		select {
		case m := <-p.c.Events():
			out = append(out, m)
		default:
			return out
		}
	}
}

// TestRestartICEWaitsForOutstandingOffer: restart_ice while a subscriber offer is still
// unanswered makes no second offer at once (one offer at a time); the answer to the first
// offer brings the restart offer, with new ICE credentials.
func TestRestartICEWaitsForOutstandingOffer(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	pub := h.mustJoin(ctx, "mou", "venue", "venue")
	if err := pub.publish(ctx, "v", media); err != nil {
		t.Fatal(err)
	}
	tok, _ := h.invite("mou", "raw", "observer")
	conn, _, err := websocket.Dial(ctx, h.url("mou"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	send := func(v any) {
		t.Helper()
		if err := wsjson.Write(ctx, conn, v); err != nil {
			t.Fatal(err)
		}
	}
	// A read whose context ends closes the connection, so one goroutine reads them all.
	msgs := make(chan protocol.ServerMessage, 64)
	go func() {
		defer close(msgs)
		for {
			var m protocol.ServerMessage
			if wsjson.Read(ctx, conn, &m) != nil {
				return
			}
			msgs <- m
		}
	}()
	next := func(typ string, d time.Duration) (protocol.ServerMessage, bool) {
		timer := time.NewTimer(d)
		defer timer.Stop()
		for {
			select {
			case m, open := <-msgs:
				if !open {
					return m, false
				}
				if m.Type == typ {
					return m, true
				}
			case <-timer.C:
				return protocol.ServerMessage{}, false
			}
		}
	}
	send(map[string]string{"type": protocol.TypeJoin, "token": tok})
	first, ok := next(protocol.TypeOffer, 10*time.Second)
	if !ok {
		t.Fatal("no subscriber offer after joining a room with a publisher")
	}
	send(map[string]string{"type": protocol.TypeRestartICE})
	if m, ok := next(protocol.TypeOffer, time.Second); ok {
		t.Fatalf("a second offer (%d bytes) while the first was unanswered", len(m.SDP))
	}
	pc, err := h.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: first.SDP}); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err == nil {
		err = pc.SetLocalDescription(answer)
	}
	if err != nil {
		t.Fatal(err)
	}
	send(map[string]string{"type": protocol.TypeAnswer, "sdp": answer.SDP})
	restart, ok := next(protocol.TypeOffer, 10*time.Second)
	if !ok {
		t.Fatal("no restart offer after the answer")
	}
	was := iceUfrag(t, &webrtc.SessionDescription{SDP: first.SDP})
	if got := iceUfrag(t, &webrtc.SessionDescription{SDP: restart.SDP}); got == was {
		t.Errorf("the offer after restart_ice keeps ice-ufrag %s, want new ICE credentials", got)
	}
}
