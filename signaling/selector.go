package signaling

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// selector decides which layer of a track one consumer (a subscriber's copy, or the
// recording) receives. It forwards the current layer until a key frame of the target
// layer arrives and then switches, so what the consumer decodes never misses a reference.
// A target of -1 pauses the video; the consumer then gets nothing until a key frame of a
// later target. Only the forwarder's writer (under forwarder.wmu) calls pick.
type selector struct {
	target atomic.Int32 // layer wanted, -1 for none
	cur    atomic.Int32 // layer being forwarded, -1 for none yet
	reset  atomic.Bool  // start over at the next key frame (new subscriber, unmute)
}

func newSelector(target int) *selector {
	s := &selector{}
	s.target.Store(int32(target))
	s.cur.Store(-1)
	return s
}

// pick reports whether a packet of layer idx goes to the consumer (key: it starts a key
// frame, or the track is audio) and whether the consumer switched layers with it.
func (s *selector) pick(idx int, key bool) (pass, switched bool) {
	if s.reset.Swap(false) {
		s.cur.Store(-1)
	}
	t, c, i := s.target.Load(), s.cur.Load(), int32(idx)
	switch {
	case t < 0:
		if c >= 0 {
			s.cur.Store(-1)
			return false, true
		}
		return false, false
	case i == t && c != t && key:
		s.cur.Store(t)
		return true, true
	}
	return i == c, false
}

// waiting reports whether the consumer waits for a key frame of layer idx.
func (s *selector) waiting(idx int) bool {
	t := s.target.Load()
	return t == int32(idx) && (s.cur.Load() != t || s.reset.Load())
}

// rewriter makes the packets a consumer receives one continuous stream: sequence numbers
// without the gaps of what it skipped, and, across a layer switch, timestamps that go on
// from the last packet sent by the time elapsed.
type rewriter struct {
	started   bool
	layer     int
	skipping  bool
	seqOffset uint16
	tsOffset  uint32
	lastSeq   uint16
	lastTS    uint32
	lastAt    time.Time
}

// rebase starts a new run of packets at pkt: after skipped packets (seq only) or from
// another layer (seq and timestamp).
func (w *rewriter) rebase(pkt *rtp.Packet, layer int, clockRate uint32, now time.Time) {
	w.seqOffset = pkt.SequenceNumber - (w.lastSeq + 1)
	if w.started && layer != w.layer {
		step := uint32(now.Sub(w.lastAt).Seconds() * float64(clockRate))
		w.tsOffset = pkt.Timestamp - (w.lastTS + max(step, 1))
	}
	w.started, w.skipping, w.layer = true, false, layer
}

// rewrite fills hdr (a copy of pkt's header, a packet of the given layer) with the
// consumer's sequence number and timestamp.
func (w *rewriter) rewrite(hdr *rtp.Header, pkt *rtp.Packet, layer int, clockRate uint32, now time.Time) {
	if w.skipping || !w.started || layer != w.layer {
		w.rebase(pkt, layer, clockRate, now)
	}
	hdr.SequenceNumber = pkt.SequenceNumber - w.seqOffset
	hdr.Timestamp = pkt.Timestamp - w.tsOffset
	if diff := hdr.SequenceNumber - w.lastSeq; diff < 0x8000 {
		w.lastSeq, w.lastTS, w.lastAt = hdr.SequenceNumber, hdr.Timestamp, now
	}
}
