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

// TestLargestFramesInAFullRoom fills a room of 16 participants, each publishing audio and
// video, and measures the largest frame the server sends (the subscriber offer with 30
// media sections) and the largest a client sends (its answer): both must stay within the
// server's frame limit, which the protocol documents for both directions.
func TestLargestFramesInAFullRoom(t *testing.T) {
	const n = 16
	h := newHarness(t, signaling.Config{MaxRoomSize: n})
	ctx := testCtx(t)
	rctx, stop := context.WithCancel(context.Background())
	defer stop()
	peers := make([]*peer, n)
	for i := range peers {
		pid := fmt.Sprintf("p%02d", i)
		peers[i] = h.mustJoin(ctx, "mou", pid, "signatory")
		src, err := client.NewSource(pid)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := peers[i].c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
			t.Fatalf("publish %s: %v", pid, err)
		}
		go trickle(rctx, src)
	}
	want := 2 * (n - 1)
	waitFor(t, 45*time.Second, "every subscriber negotiated every other track", func() bool {
		for _, p := range peers {
			pc := p.c.SubscriberPC()
			if pc.SignalingState() != webrtc.SignalingStateStable || receiving(pc) < want {
				return false
			}
		}
		return true
	})
	maxRecv, maxSent := 0, 0
	for _, p := range peers {
		r, s := p.c.LargestFrames()
		maxRecv, maxSent = max(maxRecv, r), max(maxSent, s)
	}
	t.Logf("room of %d publishers (audio+video): largest server frame %d bytes, largest client frame %d bytes; limit %d",
		n, maxRecv, maxSent, protocol.MaxMessageSize)
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
