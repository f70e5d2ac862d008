package recording

import (
	"sync"
	"time"
)

const (
	// startWait is how long a new segment waits for all its tracks to have a first frame
	// (video: a key frame) before it starts with those that have one.
	startWait = 3 * time.Second
	// learnWindow is how long frames queue before a segment's first block is written, so
	// each track's clock learns its smallest delay (rtpClock.lead) from more than one frame.
	learnWindow = 1500 * time.Millisecond
	// interleaveDelay is how long a frame may wait for the other track's frames so the
	// file's blocks stay in time order.
	interleaveDelay = 700 * time.Millisecond
	// retryWait is the pause before a new segment after one failed (disk full, say).
	retryWait = 5 * time.Second
	// maxQueued bounds the frames one track may hold while its segment cannot start.
	maxQueued = 1000
)

// group is what one connection of a participant publishes under one source (camera and
// microphone together, or the screen): at most one audio and one video track, recorded
// into one segment file at a time. A track that becomes ready while a segment runs without
// it ends that segment and starts the next with every track.
type group struct {
	rec                                     *Recorder
	key                                     string
	agreementID, participantID, source, sid string

	open [2]int // open audio and video tracks; guarded by rec.mu

	mu           sync.Mutex // lock order: group, then recorder
	tracks       []*trackWriter
	seg          *segment
	pendingSince time.Time // when frames started waiting for a segment
	retryAt      time.Time
	done         bool
}

// pumpLocked starts, rolls and feeds the group's segment. final writes everything queued.
func (g *group) pumpLocked(now time.Time, final bool) {
	if g.seg != nil && (g.seg.hasFailed() || g.lateTrack()) {
		g.endSegmentLocked(now)
	}
	if g.seg == nil && !g.startSegmentLocked(now, final) {
		g.trimQueues()
		return
	}
	g.interleave(now, final)
}

// lateTrack reports whether a track not in the segment has a frame ready.
func (g *group) lateTrack() bool {
	for _, t := range g.tracks {
		if !g.seg.has(t.number()) && len(t.queue) > 0 {
			return true
		}
	}
	return false
}

// startSegmentLocked starts a segment once every kind the source has (camera: audio and
// video; screen: video) has a frame ready, or startWait after the first one had: the SFU
// learns of a track only at its first packet, so a kind may not have a track yet. It
// reports whether a segment is open.
func (g *group) startSegmentLocked(now time.Time, final bool) bool {
	var ready, waiting int
	var start time.Time
	have := map[bool]bool{}
	for _, t := range g.tracks {
		switch {
		case len(t.queue) > 0:
			ready++
			have[t.video] = true
			if start.IsZero() || t.queue[0].wall.Before(start) {
				start = t.queue[0].wall
			}
		case !t.closed:
			waiting++
		}
	}
	if !have[true] && waiting == 0 {
		waiting++ // video has not come yet
	}
	if !have[false] && waiting == 0 && g.source == "camera" {
		waiting++ // nor has the microphone
	}
	if ready == 0 || now.Before(g.retryAt) {
		return false
	}
	if g.pendingSince.IsZero() {
		g.pendingSince = now
	}
	switch age := now.Sub(g.pendingSince); {
	case final:
	case waiting > 0 && age < startWait, age < learnWindow:
		return false
	}
	var specs []trackSpec
	for _, t := range g.tracks {
		if len(t.queue) > 0 {
			specs = append(specs, trackSpec{number: t.number(), width: t.width, height: t.height})
			t.clock.frozen = true
		}
	}
	seg, err := g.rec.newSegment(g, start, specs)
	if err != nil {
		g.rec.log.Error("start recording segment", "agreement", g.agreementID, "participant", g.participantID, "err", err)
		g.retryAt = now.Add(retryWait)
		return false
	}
	g.seg, g.pendingSince = seg, time.Time{}
	return true
}

// interleave writes queued frames in time order across the segment's tracks. A frame
// waits for the other tracks' frames up to interleaveDelay.
func (g *group) interleave(now time.Time, final bool) {
	for {
		best := g.earliest()
		if best == nil {
			return
		}
		f := best.queue[0]
		if !final && now.Sub(f.wall) < interleaveDelay && g.othersEmpty(best) {
			return
		}
		n := copy(best.queue, best.queue[1:]) // shifted, not resliced: the queue's array is reused
		best.queue[n] = queued{}
		best.queue = best.queue[:n]
		g.seg.add(best.number(), f)
		best.recycle(f.data)
	}
}

func (g *group) earliest() *trackWriter {
	var best *trackWriter
	for _, t := range g.tracks {
		if len(t.queue) == 0 || !g.seg.has(t.number()) {
			continue
		}
		if best == nil || t.queue[0].wall.Before(best.queue[0].wall) {
			best = t
		}
	}
	return best
}

// othersEmpty reports whether another open track of the segment has nothing queued.
func (g *group) othersEmpty(t *trackWriter) bool {
	for _, o := range g.tracks {
		if o != t && !o.closed && g.seg.has(o.number()) && len(o.queue) == 0 {
			return true
		}
	}
	return false
}

// trimQueues bounds what tracks hold while no segment can start.
func (g *group) trimQueues() {
	for _, t := range g.tracks {
		if n := len(t.queue) - maxQueued; n > 0 {
			t.queue = t.queue[n:]
			g.rec.metrics.dropped.WithLabelValues("no_segment").Add(float64(n))
			t.dropUntilKeyframe(g.rec.now())
		}
	}
}

// endSegmentLocked hands the open segment to the finalizer; video tracks start the next
// one on a key frame.
func (g *group) endSegmentLocked(now time.Time) {
	seg := g.seg
	g.seg = nil
	if seg.hasFailed() {
		g.retryAt = now.Add(retryWait)
	}
	for _, t := range g.tracks {
		t.dropUntilKeyframe(now)
	}
	seg.noteClock(g.tracks)
	g.rec.finish(seg)
}

// trackClosedLocked ends the segment and the group when t was its last open track.
func (g *group) trackClosedLocked(t *trackWriter, now time.Time) {
	if !g.rec.trackEnded(g, t.video) {
		g.pumpLocked(now, false)
		return
	}
	g.pumpLocked(now, true)
	if g.seg != nil {
		g.endSegmentLocked(now)
	}
	g.done = true
}

// tick runs the time-driven parts: jitter timeouts, interleaving, the sender clock.
func (g *group) tick(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return
	}
	for _, t := range g.tracks {
		t.tick(now)
	}
	g.pumpLocked(now, false)
	if g.seg != nil {
		g.seg.noteClock(g.tracks)
	}
}
