package signaling_test

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

func TestScreenShareRenegotiates(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	viewer := h.mustJoin(ctx, "mou", "viewer", "witness")
	pres := h.mustJoin(ctx, "mou", "presenter", "host")
	if err := pres.publish(ctx, "cam", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "camera", func() bool { return viewer.count("presenter", "video") > 5 })

	screen, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8,
		ClockRate: 90000}, "screen-1", "desk")
	if err != nil {
		t.Fatal(err)
	}
	senders, err := pres.c.Publish(ctx, map[string]string{"screen-1": protocol.SourceScreen}, screen)
	if err != nil {
		t.Fatalf("publish screen: %v", err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go sendKeyframes(sctx, screen)

	added := waitEventWhere(t, viewer.c, protocol.TypeTrackAdded, 10*time.Second, func(m protocol.ServerMessage) bool {
		return m.Track != nil && m.Track.Source == protocol.SourceScreen
	})
	if added.Track.StreamID != "presenter/screen" || added.Track.ID != "presenter/screen" || added.Track.Kind != "video" {
		t.Errorf("screen track = %+v, want id and stream presenter/screen, kind video", *added.Track)
	}
	waitFor(t, 20*time.Second, "screen share media", func() bool { return viewer.count("presenter/screen", "video") > 10 })

	if err := pres.c.Unpublish(ctx, senders[0]); err != nil {
		t.Fatalf("unpublish: %v", err)
	}
	removed := waitEvent(t, viewer.c, protocol.TypeTrackRemoved, 10*time.Second)
	if removed.TrackID != "presenter/screen" {
		t.Errorf("track_removed = %q, want presenter/screen", removed.TrackID)
	}
	before := viewer.count("presenter", "video")
	waitFor(t, 10*time.Second, "camera after the share ended", func() bool { return viewer.count("presenter", "video") > before+10 })
}

// sendKeyframes sends a one-packet VP8 key frame every 50 ms.
func sendKeyframes(ctx context.Context, t *webrtc.TrackLocalStaticRTP) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for seq := uint16(1); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			_ = t.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq,
				Timestamp: uint32(seq) * 4500, Marker: true}, Payload: []byte{0x10, 0x00, 0x9d, 0x01, 0x2a}})
		}
	}
}
