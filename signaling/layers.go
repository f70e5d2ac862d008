package signaling

import (
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// Simulcast: a browser sends its camera in up to three encodings (docs/signaling.md,
// "Simulcast"), told apart by their rid: q (a quarter of the size), h (half) and f (full).
// A published track without rids has one layer, 0.
const maxLayers = 3

// layerOf returns the layer index of a rid, and false for a rid the SFU does not know.
func layerOf(rid string) (int, bool) {
	switch rid {
	case "", "q":
		return 0, true
	case "h":
		return 1, true
	case "f":
		return 2, true
	}
	return 0, false
}

// layerName names a layer index in metrics and logs; -1 is no layer (video paused).
func layerName(i int) string {
	switch i {
	case 0:
		return "q"
	case 1:
		return "h"
	case 2:
		return "f"
	}
	return "paused"
}

// layerActive is how long after its last packet a layer still counts as being sent.
const layerActive = time.Second

// layer is one received encoding of a published track.
type layer struct {
	idx    int
	rid    string
	remote *webrtc.TrackRemote
	ssrc   uint32
	bytes  atomic.Uint64 // RTP bytes received
	last   atomic.Int64  // unix ns of the last packet
	kf     atomic.Bool   // a consumer asked for a key frame of this layer

	// rate measurement, under room.mu
	mBytes uint64
	mAt    time.Time
	rate   float64 // bits per second, smoothed
}

func newLayer(idx int, t *webrtc.TrackRemote) *layer {
	return &layer{idx: idx, rid: t.RID(), remote: t, ssrc: uint32(t.SSRC())}
}

// measure updates the layer's smoothed bitrate. Called under room.mu.
func (l *layer) measure(now time.Time) {
	b := l.bytes.Load()
	if !l.mAt.IsZero() {
		if dt := now.Sub(l.mAt).Seconds(); dt > 0 {
			r := float64(b-l.mBytes) * 8 / dt
			if l.rate == 0 {
				l.rate = r
			} else {
				l.rate = 0.7*l.rate + 0.3*r
			}
		}
	}
	l.mBytes, l.mAt = b, now
}

// sending reports whether the layer had a packet within layerActive of now.
func (l *layer) sending(now time.Time) bool {
	return now.UnixNano()-l.last.Load() < int64(layerActive)
}
