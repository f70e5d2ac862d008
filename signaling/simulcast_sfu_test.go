package signaling_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
)

// publishSimulcast joins pid and publishes a synthetic camera in the default three layers
// (and audio), answering the SFU's PLIs per layer, until the test ends.
func (h *harness) publishSimulcast(ctx context.Context, agreement, pid string, api *webrtc.API) *client.SimulcastSource {
	h.t.Helper()
	src, err := client.NewSimulcastSource(pid, client.DefaultLayers)
	if err != nil {
		h.t.Fatal(err)
	}
	tok, _ := h.invite(agreement, pid, "venue")
	c, err := client.Dial(ctx, h.url(agreement), tok, client.Options{API: api,
		OnSimulcastRTCP: func(_, rid string, pkts []rtcp.Packet) {
			for _, p := range pkts {
				if _, ok := p.(*rtcp.PictureLossIndication); ok {
					src.RequestKeyframe(rid)
				}
			}
		}})
	if err != nil {
		h.t.Fatalf("join %s: %v", pid, err)
	}
	h.t.Cleanup(func() { _ = c.Close() })
	senders, err := c.Publish(ctx, nil, src.Tracks()...)
	if err != nil {
		h.t.Fatalf("publish simulcast: %v", err)
	}
	if err := src.Bind(c.PublisherPC(), senders[1]); err != nil {
		h.t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	h.t.Cleanup(cancel)
	go src.Run(rctx, 30)
	return src
}

// subscribeStats joins pid as an observer whose received media mediaStats measures.
func (h *harness) subscribeStats(ctx context.Context, agreement, pid string, api *webrtc.API) (*mediaStats, *client.Client) {
	h.t.Helper()
	st := newMediaStats()
	tok, _ := h.invite(agreement, pid, "observer")
	c, err := client.Dial(ctx, h.url(agreement), tok, client.Options{API: api, OnTrack: st.onTrack})
	if err != nil {
		h.t.Fatalf("join %s: %v", pid, err)
	}
	h.t.Cleanup(func() { _ = c.Close() })
	return st, c
}

// TestSimulcastOnLoopback: a publisher's three layers reach a subscriber as one video track
// of the highest layer (an unconstrained link), and the recording gets the highest layer.
func TestSimulcastOnLoopback(t *testing.T) {
	rec := &layerRecorder{}
	h := newHarness(t, signaling.Config{Sink: rec})
	ctx := testCtx(t)
	st, _ := h.subscribeStats(ctx, "mou", "viewer", h.api.API)
	h.publishSimulcast(ctx, "mou", "venue", h.api.API)
	waitFor(t, 20*time.Second, "video frames", func() bool { return st.window(time.Now().Add(-time.Second), time.Now()).FPS > 20 })
	waitFor(t, 10*time.Second, "a switch to layer f", func() bool {
		return metricLabeled(t, h, "signroom_sfu_layer_switches_total", "f") >= 1
	})
	time.Sleep(3 * time.Second)
	now := time.Now()
	w := st.window(now.Add(-2*time.Second), now)
	st.mu.Lock()
	tracks := st.tracks
	st.mu.Unlock()
	if tracks["video"] != 1 || tracks["audio"] != 1 {
		t.Errorf("subscriber got tracks %v, want one audio and one video", tracks)
	}
	t.Logf("subscriber: %+v", w)
	if w.VideoFrames == 0 || float64(w.Layers["f"]) < 0.9*float64(w.VideoFrames) {
		t.Errorf("subscriber's frames by layer %v of %d, want layer f's", w.Layers, w.VideoFrames)
	}
	if got := metricLabeled(t, h, "signroom_sfu_layer_switches_total", "f"); got < 1 {
		t.Errorf("layer switches to f = %v, want at least 1", got)
	}
	if ssrcs, big := rec.stats("venue/camera"); ssrcs != 1 || big < 0.9 {
		t.Errorf("recording got %d SSRCs and %.2f of its frames in 5 packets, want 1 SSRC and layer f's frames", ssrcs, big)
	}
}

// layerRecorder is a TrackSink that notes, per track, the SSRCs it was given and how many
// packets each of its last frames had (which tells the synthetic layers apart).
type layerRecorder struct {
	mu     sync.Mutex
	ssrcs  map[string]map[uint32]bool
	frames map[string][]int // packets per frame, in order
	lastTS map[string]uint32
}

func (r *layerRecorder) StartTrack(t signaling.SinkTrack) (signaling.RTPWriter, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ssrcs == nil {
		r.ssrcs, r.frames, r.lastTS = map[string]map[uint32]bool{}, map[string][]int{}, map[string]uint32{}
	}
	r.ssrcs[t.TrackID] = map[uint32]bool{}
	return &layerWriter{r: r, id: t.TrackID}, nil
}

type layerWriter struct {
	r  *layerRecorder
	id string
}

func (w *layerWriter) WriteRTP(p *rtp.Packet) error {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	w.r.ssrcs[w.id][p.SSRC] = true
	fr := w.r.frames[w.id]
	if len(fr) == 0 || p.Timestamp != w.r.lastTS[w.id] {
		fr = append(fr, 0)
	}
	fr[len(fr)-1]++
	w.r.frames[w.id], w.r.lastTS[w.id] = fr, p.Timestamp
	return nil
}

func (w *layerWriter) Close() error { return nil }

// stats returns how many SSRCs a track's recording had and the fraction of its last 30
// frames (the last one excluded, it may be partial) that came in 5 packets or more.
func (r *layerRecorder) stats(track string) (ssrcs int, big float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fr := r.frames[track]
	if len(fr) < 2 {
		return len(r.ssrcs[track]), 0
	}
	fr = fr[max(0, len(fr)-31) : len(fr)-1]
	n := 0
	for _, c := range fr {
		if c >= 5 {
			n++
		}
	}
	return len(r.ssrcs[track]), float64(n) / float64(len(fr))
}

// metricLabeled returns the value of a counter vector's series with the given label value.
func metricLabeled(t *testing.T, h *harness, name, label string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
