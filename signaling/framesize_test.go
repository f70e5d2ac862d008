package signaling_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
)

// trickle sends one small audio and one small video packet every 200 ms until ctx ends:
// enough for the server to learn both tracks, cheap enough for 16 publishers.
func trickle(ctx context.Context, src *client.Source) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	var seq uint16
	for ts := uint32(0); ; ts += 3000 {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seq++
		_ = src.Audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111,
			SequenceNumber: seq, Timestamp: ts}, Payload: make([]byte, 20)})
		_ = src.Video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 96,
			SequenceNumber: seq, Timestamp: ts, Marker: true}, Payload: []byte{0x10, 0x00, 0, 0, 0}})
	}
}

// TestLargestFramesInAFullRoom measures the largest frame the server sends in rooms of 16
// and of MaxServedRoomSize participants each publishing audio and video: the subscriber offer
// with the media sections of all the others, which every subscriber of such a room gets. To
// stay cheap all but the last participant hold publish-only invitations (no subscriber
// connections of their own to renegotiate once per track); the last subscribes. It also
// measures the largest frame a client sends (its answer). Both must stay within the frame
// limit, which the protocol documents for both directions.
func TestLargestFramesInAFullRoom(t *testing.T) {
	for _, n := range []int{16, signaling.MaxServedRoomSize} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testLargestFrames(t, n) })
	}
}

func testLargestFrames(t *testing.T, n int) {
	h := newHarness(t, signaling.Config{MaxRoomSize: n})
	// Generous: 31 publishers' handshakes under -race on a loaded machine took over a minute.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rctx, stop := context.WithCancel(context.Background())
	defer stop()
	start := time.Now()
	for i := range n - 1 {
		pid := fmt.Sprintf("p%02d", i)
		p := h.mustJoin(ctx, "mou", pid, "venue-publish-only")
		src, err := client.NewSource(pid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
			t.Fatalf("publish %s: %v", pid, err)
		}
		go trickle(rctx, src)
	}
	want := 2 * (n - 1)
	sub := h.mustJoin(ctx, "mou", "last", "signatory")
	waitFor(t, 2*time.Minute, "the last participant negotiated every other track", func() bool {
		select {
		case m := <-sub.c.Events():
			if m.Type == protocol.TypeError {
				t.Logf("error: %s %s (%s)", m.Code, m.Message, m.Ref)
			}
		default:
		}
		pc := sub.c.SubscriberPC()
		return pc.SignalingState() == webrtc.SignalingStateStable && receiving(pc) >= want
	})
	t.Logf("room of %d ready after %v", n, time.Since(start).Round(time.Millisecond))
	maxRecv, maxSent := sub.c.LargestFrames()
	t.Logf("room of %d publishers (audio+video): largest server frame %d bytes (subscriber offer, %d media sections), largest client frame %d bytes (its answer); limit %d",
		n, maxRecv, want, maxSent, protocol.MaxMessageSize)
	if maxRecv > protocol.MaxMessageSize {
		t.Errorf("largest server frame %d bytes exceeds the documented %d", maxRecv, protocol.MaxMessageSize)
	}
	if maxSent > protocol.MaxMessageSize {
		t.Errorf("largest client frame (an answer) %d bytes exceeds the server's limit %d", maxSent, protocol.MaxMessageSize)
	}
	if maxRecv < 10000 {
		t.Errorf("largest server frame only %d bytes: the room did not negotiate its tracks", maxRecv)
	}
}

// receiving counts a subscriber connection's transceivers that receive.
func receiving(pc *webrtc.PeerConnection) int {
	n := 0
	for _, tr := range pc.GetTransceivers() {
		if tr.Direction() == webrtc.RTPTransceiverDirectionRecvonly || tr.Direction() == webrtc.RTPTransceiverDirectionSendrecv {
			n++
		}
	}
	return n
}
