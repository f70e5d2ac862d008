package signaling

import (
	"slices"
	"testing"

	"github.com/pion/rtp"
)

// recordingWriter keeps the headers it was given.
type recordingWriter struct{ hdrs []rtp.Header }

func (w *recordingWriter) WriteRTP(h *rtp.Header, _ []byte) (int, error) {
	w.hdrs = append(w.hdrs, *h)
	return 0, nil
}

func (w *recordingWriter) Write(b []byte) (int, error) { return len(b), nil }

// newSimulcastForwarder makes a forwarder of three layers with one subscriber.
func newSimulcastForwarder() (*forwarder, *downTrack, *recordingWriter) {
	f, _ := newTestForwarder(0, true)
	f.simulcast, f.sinkSel = true, newSelector(0)
	s := &session{}
	s.connected.Store(true)
	d := &downTrack{fwd: f, sub: s, sel: newSelector(0)}
	w := &recordingWriter{}
	d.bound.Store(&binding{ssrc: 4242, pt: 96, w: w})
	f.addDown(d)
	return f, d, w
}

// layerPacket is packet n of a layer: each layer has its own SSRC, sequence numbers and
// timestamp base, as a browser's encodings have.
func layerPacket(layer int, n uint16, key bool) *rtp.Packet {
	p := vp8Packet(uint16(layer)*10000+n, key)
	p.SSRC = uint32(100 + layer)
	p.Timestamp = uint32(layer)*1_000_000 + uint32(n)*3000
	return p
}

func TestSimulcastSwitchesAtTargetKeyframe(t *testing.T) {
	f, d, w := newSimulcastForwarder()
	f.forward(0, layerPacket(0, 1, false)) // no key frame yet: nothing
	f.forward(0, layerPacket(0, 2, true))
	f.forward(1, layerPacket(1, 2, true)) // not the target
	f.forward(0, layerPacket(0, 3, false))
	if got := len(w.hdrs); got != 2 {
		t.Fatalf("forwarded %d packets of layer q, want 2 (from its key frame)", got)
	}
	d.sel.target.Store(2)
	f.forward(2, layerPacket(2, 4, false)) // the target's inter frame: keep q
	f.forward(0, layerPacket(0, 4, false))
	f.forward(2, layerPacket(2, 5, true)) // switch
	f.forward(0, layerPacket(0, 5, false))
	f.forward(2, layerPacket(2, 6, false))
	if got := d.sel.cur.Load(); got != 2 {
		t.Fatalf("current layer %d after f's key frame, want 2", got)
	}
	var seqs []uint16
	for i, h := range w.hdrs {
		seqs = append(seqs, h.SequenceNumber)
		if h.SSRC != 4242 {
			t.Errorf("packet %d has SSRC %d, want the subscriber's 4242", i, h.SSRC)
		}
		if i > 0 && h.Timestamp-w.hdrs[i-1].Timestamp > 90000 {
			t.Errorf("packet %d timestamp jumps from %d to %d, want continuous", i, w.hdrs[i-1].Timestamp, h.Timestamp)
		}
	}
	if want := []uint16{1, 2, 3, 4, 5}; !slices.Equal(seqs, want) {
		t.Errorf("sequence numbers %v, want %v (one stream across layers)", seqs, want)
	}
	if last := w.hdrs[len(w.hdrs)-1].Timestamp - w.hdrs[len(w.hdrs)-2].Timestamp; last != 3000 {
		t.Errorf("timestamp step within layer f = %d, want 3000", last)
	}
}

func TestSimulcastPausesAndResumes(t *testing.T) {
	f, d, w := newSimulcastForwarder()
	f.forward(0, layerPacket(0, 1, true))
	d.sel.target.Store(-1) // audio only
	f.forward(0, layerPacket(0, 2, false))
	f.forward(0, layerPacket(0, 3, true))
	if len(w.hdrs) != 1 {
		t.Fatalf("paused subscriber got %d packets, want 1 (before the pause)", len(w.hdrs))
	}
	d.sel.target.Store(0)
	if !d.sel.waiting(0) {
		t.Error("resumed subscriber does not wait for a key frame of its layer (no PLI would be sent)")
	}
	f.forward(0, layerPacket(0, 4, false))
	f.forward(0, layerPacket(0, 5, true))
	f.forward(0, layerPacket(0, 6, false))
	if got := len(w.hdrs); got != 3 {
		t.Fatalf("after resuming: %d packets, want 3 (resumed at the key frame)", got)
	}
	if got := w.hdrs[2].SequenceNumber; got != 3 {
		t.Errorf("sequence number after the pause %d, want 3 (no gap)", got)
	}
}

func TestSimulcastSubscribersIndependent(t *testing.T) {
	f, d, w := newSimulcastForwarder()
	s := &session{}
	s.connected.Store(true)
	d2 := &downTrack{fwd: f, sub: s, sel: newSelector(2)}
	w2 := &recordingWriter{}
	d2.bound.Store(&binding{ssrc: 7, pt: 96, w: w2})
	f.addDown(d2)
	d.sel.target.Store(-1)
	for n := uint16(1); n <= 5; n++ {
		for l := range 3 {
			f.forward(l, layerPacket(l, n, n == 1))
		}
	}
	if len(w.hdrs) != 0 || len(w2.hdrs) != 5 {
		t.Errorf("paused subscriber got %d packets, other got %d; want 0 and 5", len(w.hdrs), len(w2.hdrs))
	}
	for _, h := range w2.hdrs {
		if h.Timestamp < 2_000_000 {
			t.Errorf("second subscriber got timestamp %d, want layer f's only", h.Timestamp)
		}
	}
}

func TestAllocate(t *testing.T) {
	three := layerRates{150_000, 500_000, 1_200_000}
	tests := []struct {
		name   string
		budget int
		tracks []layerRates
		cur    []int
		want   []int
	}{
		{"plenty", 5_000_000, []layerRates{three}, []int{2}, []int{2}},
		{"plenty, up from q", 5_000_000, []layerRates{three}, []int{0}, []int{2}},
		{"400k: down to q", 400_000, []layerRates{three}, []int{2}, []int{0}},
		{"just under h's headroom", 600_000, []layerRates{three}, []int{0}, []int{0}},
		{"h fits when held", 520_000, []layerRates{three}, []int{1}, []int{1}},
		{"below q: audio only", 100_000, []layerRates{three}, []int{0}, []int{-1}},
		{"q needs headroom to resume", 160_000, []layerRates{three}, []int{-1}, []int{-1}},
		{"q resumes", 200_000, []layerRates{three}, []int{-1}, []int{0}},
		{"two cameras share: lowest first", 700_000, []layerRates{three, three}, []int{2, 2}, []int{1, 0}},
		{"layer not sent is skipped", 2_000_000, []layerRates{{150_000, 0, 1_200_000}}, []int{0}, []int{2}},
		{"nothing sent", 2_000_000, []layerRates{{}}, []int{0}, []int{-1}},
		{"negative budget", -5, []layerRates{three}, []int{0}, []int{-1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allocate(tt.budget, tt.tracks, tt.cur); !slices.Equal(got, tt.want) {
				t.Errorf("allocate(%d) = %v, want %v", tt.budget, got, tt.want)
			}
		})
	}
}

// sinkWriter is an RTPWriter that keeps copies of what it was given.
type sinkWriter struct{ pkts []rtp.Packet }

func (w *sinkWriter) WriteRTP(p *rtp.Packet) error {
	w.pkts = append(w.pkts, rtp.Packet{Header: p.Header, Payload: append([]byte{}, p.Payload...)})
	return nil
}

func (w *sinkWriter) Close() error { return nil }

func TestSimulcastSinkRecordsHighestLayer(t *testing.T) {
	f, _, _ := newSimulcastForwarder()
	sink := &sinkWriter{}
	f.sink, f.sinkSSRC = sink, 100
	f.sinkSel.target.Store(2) // measureLocked's choice while f is being sent
	for n := uint16(1); n <= 4; n++ {
		for l := range 3 {
			f.forward(l, layerPacket(l, n, n == 2))
		}
	}
	if len(sink.pkts) != 3 {
		t.Fatalf("sink got %d packets, want 3 (layer f from its key frame)", len(sink.pkts))
	}
	for i, p := range sink.pkts {
		if p.SSRC != 100 || p.SequenceNumber != uint16(i+1) {
			t.Errorf("sink packet %d: ssrc %d seq %d, want ssrc 100 seq %d", i, p.SSRC, p.SequenceNumber, i+1)
		}
	}
}

func TestLayerChange(t *testing.T) {
	three := layerRates{150_000, 500_000, 1_200_000}
	tests := []struct {
		name            string
		l, cur          int
		r               layerRates
		congested, held bool
		want            bool
	}{
		{"same", 2, 2, three, true, false, false},
		{"down without loss: jitter, keep", 0, 2, three, false, false, false},
		{"down with loss", 0, 2, three, true, false, true},
		{"pause with loss", -1, 0, three, true, false, true},
		{"current layer no longer sent", 0, 2, layerRates{150_000}, false, false, true},
		{"up", 2, 0, three, false, false, true},
		{"up during the hold", 1, 0, three, false, true, false},
		{"resume after the hold", 0, -1, three, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := layerChange(tt.l, tt.cur, tt.r, tt.congested, tt.held); got != tt.want {
				t.Errorf("layerChange(%d from %d) = %v, want %v", tt.l, tt.cur, got, tt.want)
			}
		})
	}
}
