package signaling_test

import (
	"testing"
	"time"

	"github.com/pion/transport/v5/vnet"
)

// TestWANLossyLink: two venues 150 ms apart (round trip through the SFU), 2 % loss and up to
// 30 ms jitter on the way between them (each venue's link: 22.5 ms plus 0-30 ms each way, 1 %
// loss each way). Over 30 s the subscriber completes at least 24 video frames a second on
// average, never waits more than 1 s for a frame, and misses under 5 % of the audio packets
// (what packet loss concealment must fill: audio has no retransmission). The frame rate is
// judged against what the publisher managed to send (30 fps on an idle machine): completed
// frames must be at least 24/30 of the frames sent, so a busy machine's slow sender does not
// count against the network path.
func TestWANLossyLink(t *testing.T) {
	w := newWAN(t)
	leg := wanLeg{delay: 22500 * time.Microsecond, jitter: 30 * time.Millisecond, loss: 0.01}
	pubAPI, subAPI := w.venue(leg, nil), w.venue(leg, nil)
	h := w.harness()
	ctx := testCtx(t)
	st, _ := h.subscribeStats(ctx, "mou", "nanjing", subAPI)
	src := h.publishSimulcast(ctx, "mou", "chuncheon", pubAPI)
	waitFor(t, 20*time.Second, "video over the WAN", func() bool {
		return st.window(time.Now().Add(-time.Second), time.Now()).Layers["f"] > 10
	})
	time.Sleep(2 * time.Second)
	start, sent0 := time.Now(), src.Frames("f")
	time.Sleep(30 * time.Second)
	got, sent := st.window(start, time.Now()), src.Frames("f")-sent0
	sentFPS := float64(sent) / got.Seconds
	t.Logf("lossy WAN, 30 s: %.1f fps received of %.1f sent (%.1f fps at 30 sent), longest freeze %v, audio loss %.2f %%, video %.0f kbit/s, frames by layer %v",
		got.FPS, sentFPS, 30*got.FPS/sentFPS, got.Freeze.Round(time.Millisecond), 100*got.AudioLoss, got.VideoKbps, got.Layers)
	logSwitches(t, h)
	if got.FPS < 24.0/30*sentFPS {
		t.Errorf("received %.1f fps of %.1f sent, want at least 24/30 of them", got.FPS, sentFPS)
	}
	if got.Freeze > time.Second {
		t.Errorf("longest freeze %v, want at most 1 s", got.Freeze)
	}
	if got.AudioLoss >= 0.05 {
		t.Errorf("audio loss %.2f %%, want under 5 %%", 100*got.AudioLoss)
	}
}

// TestWANRateLimitedSubscriber: one subscriber's downlink drops to 400 kbit/s (a token
// bucket on its link). It falls to the lowest layer or to audio only, without freezing what
// it still gets and with its audio intact, while a second subscriber of the same publisher
// keeps at least 90 % of the bitrate it had before the limit (measured in the same run).
func TestWANRateLimitedSubscriber(t *testing.T) {
	w := newWAN(t)
	leg := wanLeg{delay: 10 * time.Millisecond}
	tbf := vnet.NewTBFQueue(1_000_000_000, 64<<10, 1<<20) // no limit until the second phase
	pubAPI := w.venue(leg, nil)
	limAPI := w.venue(leg, func(n *vnet.Net) vnet.NIC {
		q, err := vnet.NewQueue(n, tbf)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Close() })
		return q
	})
	freeAPI := w.venue(leg, nil)
	h := w.harness()
	ctx := testCtx(t)
	limited, _ := h.subscribeStats(ctx, "mou", "limited", limAPI)
	free, _ := h.subscribeStats(ctx, "mou", "free", freeAPI)
	h.publishSimulcast(ctx, "mou", "chuncheon", pubAPI)
	for _, st := range []*mediaStats{limited, free} {
		waitFor(t, 20*time.Second, "video", func() bool {
			return st.window(time.Now().Add(-time.Second), time.Now()).VideoFrames > 10
		})
	}
	time.Sleep(3 * time.Second)
	start := time.Now()
	time.Sleep(10 * time.Second)
	base := free.window(start, time.Now())
	baseLim := limited.window(start, time.Now())
	tbf.SetSize(25_000)
	tbf.SetBurst(5_000)
	tbf.SetRate(400_000)
	time.Sleep(8 * time.Second) // the estimate falls, the layer follows
	start = time.Now()
	time.Sleep(12 * time.Second)
	lim, fr := limited.window(start, time.Now()), free.window(start, time.Now())
	t.Logf("unlimited phase: free %.0f kbit/s (%v), limited-to-be %.0f kbit/s (%v)", base.VideoKbps, base.Layers, baseLim.VideoKbps, baseLim.Layers)
	t.Logf("400 kbit/s phase: limited %.0f kbit/s, %.1f fps, freeze %v, audio loss %.2f %%, layers %v",
		lim.VideoKbps, lim.FPS, lim.Freeze.Round(time.Millisecond), 100*lim.AudioLoss, lim.Layers)
	t.Logf("400 kbit/s phase: free %.0f kbit/s (%.0f %% of before), %.1f fps, layers %v",
		fr.VideoKbps, 100*fr.VideoKbps/base.VideoKbps, fr.FPS, fr.Layers)
	if fr.VideoKbps < 0.9*base.VideoKbps {
		t.Errorf("the unlimited subscriber fell to %.0f kbit/s from %.0f, want at least 90 %%", fr.VideoKbps, base.VideoKbps)
	}
	if lim.Layers["h"]+lim.Layers["f"] > 0 {
		t.Errorf("the limited subscriber got frames by layer %v, want layer q or none (audio only)", lim.Layers)
	}
	if lim.VideoFrames > 0 && lim.Freeze > time.Second {
		t.Errorf("the limited subscriber's video froze for %v, want at most 1 s (or audio only)", lim.Freeze)
	}
	if lim.AudioLoss >= 0.05 || lim.AudioPkts == 0 {
		t.Errorf("the limited subscriber's audio: %d packets, %.2f %% lost; want audio with under 5 %% loss", lim.AudioPkts, 100*lim.AudioLoss)
	}
}

// logSwitches logs the SFU's layer switch counters.
func logSwitches(t *testing.T, h *harness) {
	t.Helper()
	m := map[string]float64{}
	for _, l := range []string{"paused", "q", "h", "f"} {
		m[l] = metricLabeled(t, h, "signroom_sfu_layer_switches_total", l)
	}
	t.Logf("layer switches by layer switched to: %v", m)
}
