package signaling

import (
	"testing"

	"github.com/pion/rtp"
)

// countingWriter is a TrackLocalWriter that remembers what it was given.
type countingWriter struct {
	n       int
	lastSeq uint16
	ext     bool
	ssrc    uint32
}

func (w *countingWriter) WriteRTP(h *rtp.Header, _ []byte) (int, error) {
	w.n++
	w.lastSeq, w.ext, w.ssrc = h.SequenceNumber, h.Extension, h.SSRC
	return 0, nil
}

func (w *countingWriter) Write(b []byte) (int, error) { return len(b), nil }

func newTestForwarder(subs int, video bool) (*forwarder, []*countingWriter) {
	m, _ := newMetrics(nil)
	f := &forwarder{video: video, done: make(chan struct{}), clockRate: 90000, metrics: m}
	f.downs.Store(&[]*downTrack{})
	var ws []*countingWriter
	for i := range subs {
		s := &session{}
		s.connected.Store(true)
		d := &downTrack{fwd: f, sub: s, sel: newSelector(0)}
		w := &countingWriter{}
		d.bound.Store(&binding{ssrc: uint32(1000 + i), pt: 96, w: w})
		f.addDown(d)
		ws = append(ws, w)
	}
	return f, ws
}

func vp8Packet(seq uint16, key bool) *rtp.Packet {
	p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, SSRC: 7, PayloadType: 100}}
	_ = p.Header.SetExtension(3, []byte{1, 2})
	p.Payload = []byte{0x10, 0x01, 0xaa}
	if key {
		p.Payload[1] = 0x00
	}
	return p
}

func TestForwardWaitsForKeyframeAndRewrites(t *testing.T) {
	f, ws := newTestForwarder(2, true)
	f.forward(0, vp8Packet(500, false)) // before any key frame: held back
	if ws[0].n != 0 {
		t.Fatalf("forwarded %d packets before a key frame, want 0", ws[0].n)
	}
	f.forward(0, vp8Packet(501, true))
	f.forward(0, vp8Packet(502, false))
	for i, w := range ws {
		if w.n != 2 {
			t.Errorf("subscriber %d got %d packets, want 2", i, w.n)
		}
		if w.ext {
			t.Errorf("subscriber %d got header extensions, want them stripped", i)
		}
		if w.ssrc != uint32(1000+i) {
			t.Errorf("subscriber %d got ssrc %d, want %d", i, w.ssrc, 1000+i)
		}
		if w.lastSeq != 2 {
			t.Errorf("subscriber %d last sequence number %d, want 2 (continuous from 1)", i, w.lastSeq)
		}
	}
	f.setMuted(true)
	f.forward(0, vp8Packet(503, true))
	f.setMuted(false)
	f.forward(0, vp8Packet(504, false)) // after unmute: wait for a key frame again
	f.forward(0, vp8Packet(505, true))
	if got := ws[0].lastSeq; got != 3 || ws[0].n != 3 {
		t.Errorf("after mute: %d packets, last seq %d; want 3 packets, seq 3 (no gap)", ws[0].n, got)
	}
}

func BenchmarkForward(b *testing.B) {
	f, _ := newTestForwarder(8, true)
	f.forward(0, vp8Packet(1, true))
	p := vp8Packet(2, false)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SequenceNumber = uint16(i)
		f.forward(0, p)
	}
}
