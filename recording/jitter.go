package recording

import (
	"time"
)

// startHold is how long a jitter buffer holds its first packets before releasing any.
const startHold = 100 * time.Millisecond

// packet is a copy of one received RTP packet that the recorder owns.
type packet struct {
	seq     uint16
	ts      uint32
	marker  bool
	payload []byte // points into store
	arrival time.Time
	store   [maxPayload]byte
}

// jitterBuffer puts one track's packets back in sequence order and reports gaps. Packets
// that arrive in order pass straight through; a gap holds the packets behind it until the
// missing ones arrive (a NACK retransmission) or until the first packet behind the gap has
// waited maxDelay, when the gap is declared lost. Duplicates and packets older than what
// was already released are dropped. It is used by one goroutine at a time.
type jitterBuffer struct {
	slots    []*packet // ring indexed by sequence number modulo len(slots)
	next     uint16    // sequence number expected next
	started  bool
	released bool      // a packet has been released since the start
	first    time.Time // arrival of the first packet since the start
	held     int       // packets in slots
	maxDelay time.Duration

	late, dups uint64 // packets dropped as too old or duplicated
}

// jitterEvent is what the buffer releases, in order: a packet, or a count of lost packets
// (-1 for a sequence discontinuity of unknown size).
type jitterEvent struct {
	pkt  *packet
	lost int
}

func newJitterBuffer(size int, maxDelay time.Duration) *jitterBuffer {
	return &jitterBuffer{slots: make([]*packet, size), maxDelay: maxDelay}
}

// push adds p and appends everything that can be released now to out. The buffer takes
// ownership of p; dropped packets are passed to release.
func (j *jitterBuffer) push(p *packet, out []jitterEvent, release func(*packet)) []jitterEvent {
	if !j.started {
		j.started, j.released, j.next, j.first = true, false, p.seq, p.arrival
	}
	d := int(int16(p.seq - j.next))
	if d < 0 && d > -len(j.slots) && !j.released {
		j.next, d = p.seq, 0 // reordered before the first packet, within the start-up hold
	}
	switch {
	case d >= len(j.slots) || d < -len(j.slots):
		// Far off (a sequence jump or a long outage): release what is held, report a
		// discontinuity and restart at this packet.
		out = append(j.flush(out), jitterEvent{lost: -1})
		j.next = p.seq
	case d < 0:
		j.late++
		release(p)
		return j.drain(p.arrival, out, release)
	}
	i := int(p.seq) % len(j.slots)
	if q := j.slots[i]; q != nil {
		j.dups++
		release(p)
		return j.drain(p.arrival, out, release)
	}
	j.slots[i] = p
	j.held++
	return j.drain(p.arrival, out, release)
}

// drain releases in-order packets, and skips a gap once the packet behind it is too old.
// At the start it holds everything for startHold, so packets reordered before the first
// one to arrive still find their place.
func (j *jitterBuffer) drain(now time.Time, out []jitterEvent, release func(*packet)) []jitterEvent {
	if !j.released && now.Sub(j.first) < startHold {
		return out
	}
	for j.held > 0 {
		j.released = true
		i := int(j.next) % len(j.slots)
		if p := j.slots[i]; p != nil {
			j.slots[i] = nil
			j.held--
			j.next++
			out = append(out, jitterEvent{pkt: p})
			continue
		}
		gap, oldest := j.firstHeld()
		if now.Sub(oldest) < j.maxDelay {
			return out
		}
		out = append(out, jitterEvent{lost: gap})
		j.next += uint16(gap)
	}
	return out
}

// firstHeld returns the distance from next to the first held packet and its arrival time.
func (j *jitterBuffer) firstHeld() (int, time.Time) {
	for d := 1; d < len(j.slots); d++ {
		if p := j.slots[(int(j.next)+d)%len(j.slots)]; p != nil {
			return d, p.arrival
		}
	}
	return 0, time.Time{}
}

// tick releases what has waited long enough by now, when no packet came to trigger it.
func (j *jitterBuffer) tick(now time.Time, out []jitterEvent, release func(*packet)) []jitterEvent {
	return j.drain(now, out, release)
}

// flush releases every held packet in order, reporting the gaps between them as lost.
func (j *jitterBuffer) flush(out []jitterEvent) []jitterEvent {
	for j.held > 0 {
		j.released = true
		i := int(j.next) % len(j.slots)
		if p := j.slots[i]; p != nil {
			j.slots[i] = nil
			j.held--
			out = append(out, jitterEvent{pkt: p})
			j.next++
			continue
		}
		gap, _ := j.firstHeld()
		out = append(out, jitterEvent{lost: gap})
		j.next += uint16(gap)
	}
	return out
}

// reset forgets the sequence (a new SSRC): everything held is released in order first.
func (j *jitterBuffer) reset(out []jitterEvent) []jitterEvent {
	out = j.flush(out)
	j.started = false
	return out
}
