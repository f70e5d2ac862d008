package signaling_test

import (
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// mediaStats measures what a subscriber receives of one publisher: video frames completed
// (every packet of the frame arrived, retransmissions included), video bytes and packets,
// and audio packets by sequence number, each with its arrival time.
type mediaStats struct {
	mu         sync.Mutex
	videoSeq   seqUnwrapper
	audioSeq   seqUnwrapper
	frames     map[uint32]*frameState // by RTP timestamp
	completed  []time.Time            // when each frame completed
	sizes      []int                  // and its number of packets
	videoBytes []sample
	audio      map[int64]time.Time // extended sequence number -> arrival
	tracks     map[string]int      // kind -> tracks received
}

type sample struct {
	at time.Time
	n  int
}

type frameState struct {
	start, end int64 // extended sequence numbers of the first and last packet, -1 unknown
	have       map[int64]bool
	done       bool
	seen       time.Time
}

func newMediaStats() *mediaStats {
	return &mediaStats{frames: map[uint32]*frameState{}, audio: map[int64]time.Time{}, tracks: map[string]int{}}
}

// onTrack reads a track until it ends; use it as (part of) a client's OnTrack.
func (m *mediaStats) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	m.mu.Lock()
	m.tracks[t.Kind().String()]++
	m.mu.Unlock()
	buf := make([]byte, 1500)
	var p rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if p.Unmarshal(buf[:n]) != nil {
			continue
		}
		now := time.Now()
		m.mu.Lock()
		if t.Kind() == webrtc.RTPCodecTypeVideo {
			m.video(&p, n, now)
		} else if _, dup := m.audio[m.audioSeq.unwrap(p.SequenceNumber)]; !dup {
			m.audio[m.audioSeq.unwrap(p.SequenceNumber)] = now
		}
		m.mu.Unlock()
	}
}

func (m *mediaStats) video(p *rtp.Packet, n int, now time.Time) {
	m.videoBytes = append(m.videoBytes, sample{now, n})
	seq := m.videoSeq.unwrap(p.SequenceNumber)
	f := m.frames[p.Timestamp]
	if f == nil {
		f = &frameState{start: -1, end: -1, have: map[int64]bool{}, seen: now}
		m.frames[p.Timestamp] = f
	}
	f.have[seq] = true
	if len(p.Payload) > 0 && p.Payload[0]&0x10 != 0 {
		f.start = seq
	}
	if p.Marker {
		f.end = seq
	}
	if !f.done && f.start >= 0 && f.end >= f.start && int64(len(f.have)) >= f.end-f.start+1 {
		f.done = true
		m.completed = append(m.completed, now)
		m.sizes = append(m.sizes, int(f.end-f.start+1))
	}
	for ts, g := range m.frames { // forget frames long past
		if now.Sub(g.seen) > 5*time.Second {
			delete(m.frames, ts)
		}
	}
}

// window is what arrived between two instants.
type window struct {
	Seconds     float64
	FPS         float64       // completed video frames per second
	Freeze      time.Duration // longest time without a completed frame
	VideoKbps   float64
	AudioLoss   float64 // fraction of audio packets missing (what concealment must fill)
	AudioPkts   int
	VideoFrames int
	// Layers counts the completed frames by the synthetic layer their packet count tells:
	// q 1 packet, h 2, f 5 (key frames, three times larger, are not counted).
	Layers map[string]int
}

func (m *mediaStats) window(from, to time.Time) window {
	m.mu.Lock()
	defer m.mu.Unlock()
	w := window{Seconds: to.Sub(from).Seconds(), Layers: map[string]int{}}
	last := from
	for i, c := range m.completed {
		if c.Before(from) || c.After(to) {
			continue
		}
		switch m.sizes[i] {
		case 1:
			w.Layers["q"]++
		case 2:
			w.Layers["h"]++
		case 5:
			w.Layers["f"]++
		}
		w.VideoFrames++
		w.Freeze = max(w.Freeze, c.Sub(last))
		last = c
	}
	w.Freeze = max(w.Freeze, to.Sub(last))
	w.FPS = float64(w.VideoFrames) / w.Seconds
	var bytes int
	for _, s := range m.videoBytes {
		if !s.at.Before(from) && !s.at.After(to) {
			bytes += s.n
		}
	}
	w.VideoKbps = float64(bytes) * 8 / w.Seconds / 1000
	lo, hi := int64(-1), int64(-1)
	for seq, at := range m.audio {
		if at.Before(from) || at.After(to) {
			continue
		}
		w.AudioPkts++
		if lo < 0 || seq < lo {
			lo = seq
		}
		hi = max(hi, seq)
	}
	if w.AudioPkts > 0 {
		w.AudioLoss = 1 - float64(w.AudioPkts)/float64(hi-lo+1)
	}
	return w
}

// seqUnwrapper extends 16-bit sequence numbers.
type seqUnwrapper struct {
	started bool
	last    int64
}

func (u *seqUnwrapper) unwrap(seq uint16) int64 {
	if !u.started {
		u.started, u.last = true, int64(seq)
		return u.last
	}
	diff := int64(int16(seq - uint16(u.last)))
	v := u.last + diff
	if diff > 0 {
		u.last = v
	}
	return v
}
