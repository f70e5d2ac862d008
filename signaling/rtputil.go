package signaling

// isVP8Keyframe reports whether an RTP payload is the first packet of a VP8
// key frame (RFC 7741: start of partition 0, and the P bit of the VP8
// payload header clear).
func isVP8Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	x := p[0]&0x80 != 0
	s := p[0]&0x10 != 0
	pid := p[0] & 0x07
	if !s || pid != 0 {
		return false
	}
	i := 1
	if x {
		if len(p) < 2 {
			return false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture id
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 { // 15-bit picture id
				i++
			}
			i++
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // T or K: TID/KEYIDX byte
			i++
		}
	}
	if len(p) <= i {
		return false
	}
	return p[i]&0x01 == 0
}

// audioLevel decodes an ssrc-audio-level extension element (RFC 6464): the
// level in -dBov (0 loudest, 127 silence) and the voice-activity flag.
func audioLevel(ext []byte) (level uint8, voice, ok bool) {
	if len(ext) < 1 {
		return 0, false, false
	}
	return ext[0] & 0x7f, ext[0]&0x80 != 0, true
}

// seqTracker counts received and expected packets from RTP sequence numbers
// to estimate upstream loss. It is used by one goroutine.
type seqTracker struct {
	started  bool
	cycles   uint32
	highest  uint16
	base     uint32
	received uint64
}

func (t *seqTracker) add(seq uint16) {
	t.received++
	if !t.started {
		t.started, t.highest, t.base = true, seq, uint32(seq)
		return
	}
	diff := seq - t.highest
	if diff != 0 && diff < 0x8000 {
		if seq < t.highest {
			t.cycles += 1 << 16
		}
		t.highest = seq
	}
}

// expected returns how many packets should have arrived so far.
func (t *seqTracker) expected() uint64 {
	if !t.started {
		return 0
	}
	return uint64(t.cycles) + uint64(t.highest) - uint64(t.base) + 1
}
