package signaling_test

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/signaling"
)

// recorder is a TrackSink that counts packets per track.
type recorder struct {
	mu      sync.Mutex
	packets map[string]int
	tracks  []signaling.SinkTrack
	closed  int
}

func (r *recorder) StartTrack(t signaling.SinkTrack) (signaling.RTPWriter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tracks = append(r.tracks, t)
	return &recWriter{r: r, id: t.TrackID}, nil
}

type recWriter struct {
	r  *recorder
	id string
}

func (w *recWriter) WriteRTP(*rtp.Packet) error {
	w.r.mu.Lock()
	w.r.packets[w.id]++
	w.r.mu.Unlock()
	return nil
}

func (w *recWriter) Close() error {
	w.r.mu.Lock()
	w.r.closed++
	w.r.mu.Unlock()
	return nil
}

func TestSinkAndMetrics(t *testing.T) {
	rec := &recorder{packets: map[string]int{}}
	h := newHarness(t, signaling.Config{Sink: rec})
	ctx := testCtx(t)
	viewer := h.mustJoin(ctx, "mou", "viewer", "observer")
	pub := h.mustJoin(ctx, "mou", "venue", "venue")
	if err := pub.publish(ctx, "v", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "video", func() bool { return viewer.count("venue", "video") > 20 })
	rec.mu.Lock()
	if len(rec.tracks) != 2 || rec.packets["venue/camera"] == 0 || rec.packets["venue/microphone"] == 0 {
		t.Errorf("sink saw tracks %+v and packets %v, want venue camera and microphone with packets", rec.tracks, rec.packets)
	}
	rec.mu.Unlock()
	waitFor(t, 5*time.Second, "forwarded packets metric", func() bool {
		return metricValue(t, h, "signroom_sfu_forwarded_packets_total") > 20
	})
	if got := metricValue(t, h, "signroom_sfu_tracks"); got != 2 {
		t.Errorf("tracks gauge = %v, want 2", got)
	}
	if got := metricValue(t, h, "signroom_sfu_rooms"); got != 1 {
		t.Errorf("rooms gauge = %v, want 1", got)
	}
	if got := metricValue(t, h, "signroom_sfu_plis_total"); got < 1 {
		t.Errorf("PLIs = %v, want at least one for the subscriber's first key frame", got)
	}
	pub.close()
	waitFor(t, 5*time.Second, "sink writers closed", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.closed == 2
	})
}

func TestSecondHubSharesRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := signaling.Config{LoopbackOnly: true, Registerer: reg}
	for i := range 2 {
		hub, err := signaling.NewHub(cfg, &fakeAdmitter{})
		if err != nil {
			t.Fatalf("hub %d: %v", i, err)
		}
		if err := hub.Close(); err != nil {
			t.Errorf("close hub %d: %v", i, err)
		}
	}
}
