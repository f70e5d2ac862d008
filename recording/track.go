package recording

import (
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

const (
	// maxPayload is the largest RTP payload recorded; larger packets are dropped (no
	// conforming sender exceeds a path MTU).
	maxPayload = 1500
	// jitterSlots bounds the packets one track holds while waiting for a missing one.
	jitterSlots = 512
	// jitterDelay is how long a gap may wait for a retransmission before it counts as lost.
	jitterDelay = 400 * time.Millisecond
)

// queued is a frame waiting to be written: its wall-clock time, whether it is a key frame
// and its own copy of the data.
type queued struct {
	wall time.Time
	key  bool
	data []byte
}

// trackWriter receives one published track's packets (signaling.RTPWriter). WriteRTP
// copies each packet and does the rest under its group's lock: the jitter buffer puts
// packets in order, the assembler makes frames, and frames queue for the group's segment.
// A video track starts on a key frame and, after any loss, drops frames until the next
// key frame, asking the publisher for one until it comes.
type trackWriter struct {
	g        *group
	video    bool
	request  func()
	trackID  string
	initSSRC uint32

	// guarded by g.mu
	ssrc     uint32
	haveSSRC bool
	jb       *jitterBuffer
	asm      assembler
	clock    rtpClock
	waitKey  bool
	closed   bool
	queue    []queued
	events   []jitterEvent
	width    int
	height   int
	lastAsk  time.Time
	emit     func(frame) // onFrame, made once (a method value allocates each time it is taken)
	free     [][]byte    // frame buffers written out, for the next frames to reuse
}

func newTrackWriter(g *group, video bool, clockRate uint32, request func()) *trackWriter {
	t := &trackWriter{g: g, video: video, request: request, jb: newJitterBuffer(jitterSlots, jitterDelay),
		clock: newRTPClock(clockRate), waitKey: video}
	t.emit = t.onFrame
	if video {
		t.asm = &vp8Assembler{}
	} else {
		t.asm = &opusAssembler{}
	}
	return t
}

func (t *trackWriter) kind() string {
	if t.video {
		return "video"
	}
	return "audio"
}

func (t *trackWriter) number() uint64 {
	if t.video {
		return videoTrack
	}
	return audioTrack
}

// WriteRTP implements signaling.RTPWriter.
func (t *trackWriter) WriteRTP(p *rtp.Packet) error {
	now := t.g.rec.now()
	if len(p.Payload) > maxPayload {
		t.g.rec.metrics.dropped.WithLabelValues("oversize").Inc()
		return nil
	}
	pk := t.g.rec.packets.Get().(*packet)
	pk.seq, pk.ts, pk.marker, pk.arrival = p.SequenceNumber, p.Timestamp, p.Marker, now
	pk.payload = pk.store[:copy(pk.store[:], p.Payload)]
	t.g.mu.Lock()
	defer t.g.mu.Unlock()
	if t.closed {
		t.release(pk)
		return nil
	}
	t.checkSSRC(p.SSRC)
	t.events = t.jb.push(pk, t.events[:0], t.release)
	t.process(now)
	t.g.pumpLocked(now, false)
	return nil
}

// WriteRTCP implements signaling.RTCPWriter: sender reports tie the track's RTP clock to
// the sender's wall clock.
func (t *trackWriter) WriteRTCP(pkts []rtcp.Packet) {
	t.g.mu.Lock()
	defer t.g.mu.Unlock()
	for _, p := range pkts {
		if sr, ok := p.(*rtcp.SenderReport); ok && t.haveSSRC && sr.SSRC == t.ssrc && !t.closed {
			t.clock.senderReport(ntpTime(sr.NTPTime), sr.RTPTime)
		}
	}
}

// Close implements signaling.RTPWriter: what the jitter buffer holds is written, and the
// group's segment ends once all its tracks closed.
func (t *trackWriter) Close() error {
	now := t.g.rec.now()
	t.g.mu.Lock()
	defer t.g.mu.Unlock()
	if t.closed {
		return nil
	}
	t.events = t.jb.flush(t.events[:0])
	t.process(now)
	t.closed = true
	t.g.trackClosedLocked(t, now)
	return nil
}

// checkSSRC restarts the sequence and clock when the sender's SSRC changes.
func (t *trackWriter) checkSSRC(ssrc uint32) {
	if !t.haveSSRC {
		t.ssrc, t.haveSSRC = ssrc, true
		return
	}
	if ssrc == t.ssrc {
		return
	}
	t.g.rec.log.Warn("recorded track changed SSRC", "track", t.trackID, "from", t.ssrc, "to", ssrc)
	t.ssrc = ssrc
	t.events = t.jb.reset(t.events[:0])
	t.process(t.g.rec.now())
	t.asm.lost()
	t.waitKey = t.waitKey || t.video
	t.clock = newRTPClock(uint32(t.clock.rate))
	t.g.rec.metrics.discontinuities.Inc()
}

// process passes released packets to the assembler and notes losses as they happen: a
// video track drops every frame after a loss until a key frame.
func (t *trackWriter) process(now time.Time) {
	for _, ev := range t.events {
		if ev.pkt == nil {
			t.asm.lost()
		} else {
			t.asm.packet(ev.pkt, t.emit)
			t.release(ev.pkt)
		}
		if t.asm.lossy() {
			t.g.rec.metrics.losses.WithLabelValues(t.kind()).Inc()
			t.waitKey = t.waitKey || t.video
		}
	}
	clear(t.events)
	t.events = t.events[:0]
	if t.waitKey {
		t.askKeyframe(now)
	}
}

func (t *trackWriter) askKeyframe(now time.Time) {
	if t.request != nil && now.Sub(t.lastAsk) >= 100*time.Millisecond {
		t.lastAsk = now
		t.request()
	}
}

// onFrame queues an assembled frame with its wall-clock time.
func (t *trackWriter) onFrame(f frame) {
	if t.video {
		if t.waitKey && !f.keyframe {
			t.g.rec.metrics.dropped.WithLabelValues("awaiting_keyframe").Inc()
			return
		}
		if f.keyframe {
			t.waitKey = false
			t.width, t.height = vp8Size(f.data)
		}
	}
	wall, moved := t.clock.at(f.ts, f.arrival)
	for i := range t.queue { // the lead grew: what waits moves with it
		t.queue[i].wall = t.queue[i].wall.Add(moved)
	}
	t.queue = append(t.queue, queued{wall: wall, key: f.keyframe, data: t.copyFrame(f.data)})
}

const (
	// maxFree bounds the buffers a track keeps for reuse: about what its queue holds.
	maxFree = 32
	// maxFreeBytes is the largest buffer kept for reuse; larger frames are rare.
	maxFreeBytes = 64 << 10
)

// copyFrame returns a copy of a frame's data, in a reused buffer when one is free.
func (t *trackWriter) copyFrame(data []byte) []byte {
	var b []byte
	if n := len(t.free); n > 0 {
		b, t.free[n-1], t.free = t.free[n-1], nil, t.free[:n-1]
	}
	return append(b[:0], data...)
}

// recycle takes back the buffer of a frame that was written out.
func (t *trackWriter) recycle(b []byte) {
	if len(t.free) < maxFree && cap(b) <= maxFreeBytes {
		t.free = append(t.free, b)
	}
}

func (t *trackWriter) release(p *packet) {
	p.payload = nil
	t.g.rec.packets.Put(p)
}

// tick lets the jitter buffer give up on gaps when no packet comes to trigger it.
func (t *trackWriter) tick(now time.Time) {
	if t.closed {
		return
	}
	t.events = t.jb.tick(now, t.events[:0], t.release)
	t.process(now)
}

// dropUntilKeyframe makes a video track start its next segment on a key frame.
func (t *trackWriter) dropUntilKeyframe(now time.Time) {
	if !t.video {
		return
	}
	i := 0
	for i < len(t.queue) && !t.queue[i].key {
		i++
	}
	t.queue = t.queue[i:]
	if len(t.queue) == 0 {
		t.waitKey = true
		t.askKeyframe(now)
	}
}
