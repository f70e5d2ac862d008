package recording

import (
	"time"
)

const (
	// maxSkew is how far a frame's RTP time may drift from its arrival before the track's
	// timestamps count as having jumped (a sender restart, a bad clock) and are re-anchored.
	maxSkew = 5 * time.Second
	// maxSenderOffset bounds the difference between a sender's RTCP clock and the arrival
	// clock (one-way delay plus clock error) for the sender's clock to be trusted.
	maxSenderOffset = 1500 * time.Millisecond
)

// rtpClock maps one track's RTP timestamps to wall-clock time, never by summing durations.
// Frames are placed by their timestamps from an anchor at the first frame's arrival, moved
// earlier by the lead: the smallest delay seen, arrival minus mapped time, over the frames
// that arrived before the track's first block was written (then it is frozen, so block
// times never go back). A first packet that happened to arrive late thus does not shift
// the whole track. A sender report tells how the sender's own clock relates to the mapping.
type rtpClock struct {
	rate       float64 // RTP clock rate, Hz
	started    bool
	last       uint32
	ext        int64 // extended (unwrapped) timestamp of last
	anchorTS   int64
	anchor     time.Time
	lead       time.Duration // ≤ 0
	frozen     bool
	offset     time.Duration // sender clock minus mapping, valid when haveOffset
	haveOffset bool
	jumps      int
}

func newRTPClock(rate uint32) rtpClock {
	if rate == 0 {
		rate = 90000
	}
	return rtpClock{rate: float64(rate)}
}

// extend unwraps a 32-bit RTP timestamp against the last one.
func (c *rtpClock) extend(ts uint32) int64 {
	if !c.started {
		return int64(ts)
	}
	return c.ext + int64(int32(ts-c.last))
}

// at returns the wall-clock time of timestamp ts of a frame that arrived at arrival, and
// by how much (≤ 0) the frames placed before moved because the lead grew. A timestamp
// more than maxSkew away from its arrival re-anchors the track at this frame.
func (c *rtpClock) at(ts uint32, arrival time.Time) (wall time.Time, moved time.Duration) {
	ext := c.extend(ts)
	c.last, c.ext = ts, ext
	if !c.started {
		c.started, c.anchorTS, c.anchor = true, ext, arrival
		return arrival, 0
	}
	mapped := c.anchor.Add(c.since(ext))
	d := arrival.Sub(mapped)
	if d-c.lead > maxSkew || d-c.lead < -maxSkew {
		c.anchorTS, c.anchor, c.lead, c.haveOffset = ext, arrival, 0, false
		c.jumps++
		return arrival, 0
	}
	if d < c.lead && !c.frozen {
		moved = d - c.lead
		c.lead = d
		c.offset -= moved
	}
	return mapped.Add(c.lead), moved
}

func (c *rtpClock) since(ext int64) time.Duration {
	return time.Duration(float64(ext-c.anchorTS) / c.rate * float64(time.Second))
}

// senderReport notes an RTCP sender report: the sender's wall clock ntp at RTP time ts.
// The first report after the anchor fixes the offset; one that disagrees with the arrival
// clock by more than maxSenderOffset is ignored.
func (c *rtpClock) senderReport(ntp time.Time, ts uint32) {
	if !c.started || c.haveOffset {
		return
	}
	ext := c.ext + int64(int32(ts-c.last))
	mapped := c.anchor.Add(c.since(ext)).Add(c.lead)
	off := ntp.Sub(mapped)
	if off > maxSenderOffset || off < -maxSenderOffset {
		return
	}
	c.offset, c.haveOffset = off, true
}

// ntpTime converts an RTCP NTP timestamp (RFC 3550 §4) to a time.
func ntpTime(ntp uint64) time.Time {
	const ntpToUnix = 2208988800
	secs := int64(ntp>>32) - ntpToUnix
	frac := float64(ntp&0xFFFFFFFF) / (1 << 32)
	return time.Unix(secs, int64(frac*1e9)).UTC()
}
