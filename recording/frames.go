package recording

import (
	"encoding/binary"
	"time"
)

// maxFrameBytes bounds one assembled video frame; a larger one is dropped as broken.
const maxFrameBytes = 4 << 20

// frame is one assembled media frame: a VP8 frame or an Opus packet. Data is only valid
// during the emit call that passes it.
type frame struct {
	data     []byte
	ts       uint32
	keyframe bool
	arrival  time.Time
}

// assembler turns a track's in-order packets into frames. lossy reports whether data was
// lost since the last frame it returned, so a video track knows to wait for a keyframe.
type assembler interface {
	// packet takes the next in-order packet and passes each frame it completes to emit.
	packet(p *packet, emit func(frame))
	lost()
	// lossy reports and clears whether packets were lost or frames dropped since the last call.
	lossy() bool
}

// opusAssembler: every RTP packet carries one Opus packet.
type opusAssembler struct{ gap bool }

func (a *opusAssembler) packet(p *packet, emit func(frame)) {
	if len(p.payload) > 0 { // an empty payload is padding
		emit(frame{data: p.payload, ts: p.ts, keyframe: true, arrival: p.arrival})
	}
}

func (a *opusAssembler) lost() { a.gap = true }

func (a *opusAssembler) lossy() bool {
	g := a.gap
	a.gap = false
	return g
}

// vp8Assembler joins the packets of one VP8 frame (RFC 7741): a frame starts at a packet
// with the S bit set and partition index 0 and ends at the marker bit or where the RTP
// timestamp changes. A frame with a lost packet is dropped whole.
type vp8Assembler struct {
	buf     []byte
	ts      uint32
	arrival time.Time
	in      bool // inside a frame
	broken  bool // the current frame lost a packet or is too large
	gap     bool
}

func (a *vp8Assembler) lost() {
	a.gap = true
	if a.in {
		a.broken = true
	}
}

func (a *vp8Assembler) lossy() bool {
	g := a.gap
	a.gap = false
	return g
}

func (a *vp8Assembler) packet(p *packet, emit func(frame)) {
	hdr, start, ok := vp8Descriptor(p.payload)
	if !ok {
		a.lost()
		return
	}
	if a.in && p.ts != a.ts { // the previous frame ended without its marker
		a.finish(emit)
	}
	if !a.in {
		if !start {
			a.gap = true // the rest of a frame whose start was dropped
			return
		}
		a.in, a.broken, a.ts, a.arrival, a.buf = true, false, p.ts, p.arrival, a.buf[:0]
	}
	if len(a.buf)+len(p.payload)-hdr > maxFrameBytes {
		a.broken = true
	} else if !a.broken {
		a.buf = append(a.buf, p.payload[hdr:]...)
	}
	if p.marker {
		a.finish(emit)
	}
}

func (a *vp8Assembler) finish(emit func(frame)) {
	a.in = false
	if a.broken || len(a.buf) == 0 {
		a.gap = true
		return
	}
	emit(frame{data: a.buf, ts: a.ts, keyframe: vp8Keyframe(a.buf), arrival: a.arrival})
}

// vp8Descriptor parses a VP8 payload descriptor: its length and whether the packet starts a
// frame (S bit set, partition index 0).
func vp8Descriptor(b []byte) (n int, start, ok bool) {
	if len(b) < 1 {
		return 0, false, false
	}
	start = b[0]&0x10 != 0 && b[0]&0x07 == 0
	n = 1
	if b[0]&0x80 != 0 { // X: extension byte
		if len(b) < 2 {
			return 0, false, false
		}
		x := b[1]
		n = 2
		if x&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(b) < 3 {
				return 0, false, false
			}
			n++
			if b[2]&0x80 != 0 {
				n++
			}
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			n++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			n++
		}
	}
	if len(b) <= n {
		return 0, false, false
	}
	return n, start, true
}

// vp8Keyframe reports whether a VP8 frame is a key frame (RFC 6386 §9.1: the frame tag's
// low bit is 0 and the start code follows).
func vp8Keyframe(f []byte) bool {
	return len(f) >= 10 && f[0]&0x01 == 0 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a
}

// vp8Size returns a key frame's width and height.
func vp8Size(f []byte) (w, h int) {
	if !vp8Keyframe(f) {
		return 0, 0
	}
	return int(binary.LittleEndian.Uint16(f[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(f[8:]) & 0x3fff)
}
