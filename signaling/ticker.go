package signaling

import (
	"slices"
	"strconv"
	"time"

	"github.com/signroom/signroom/signaling/protocol"
)

func itoa(n int) string { return strconv.Itoa(n) }

// tickLoop publishes who is speaking and the room's metrics.
func (r *room) tickLoop() {
	defer r.wg.Done()
	t := time.NewTicker(roomTick)
	defer t.Stop()
	var lossTick int
	for {
		select {
		case <-r.done:
			r.hub.metrics.loss.DeleteLabelValues(r.id)
			return
		case now := <-t.C:
			lossTick++
			r.tick(now, lossTick%4 == 0)
			if lossTick%allocTicks == 0 {
				r.allocate(now)
			}
		}
	}
}

// allocate measures the tracks' layers and chooses every subscriber's.
func (r *room) allocate(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.tracks {
		f.measureLocked(now)
	}
	for _, s := range r.sessions {
		s.allocateLocked(now)
	}
}

func (r *room) tick(now time.Time, flush bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.presenceLocked(now)
	var speakers []string
	var recv, exp uint64
	for _, f := range r.tracks {
		if !f.video && !f.muted.Load() && now.UnixNano()-f.lastVoice.Load() < int64(speakingHold) {
			speakers = append(speakers, f.info.Participant)
		}
		if flush {
			rc, ex := f.flush(r.hub.metrics)
			recv, exp = recv+rc, exp+ex
		}
	}
	if flush && exp > 0 {
		loss := 0.0
		if exp > recv {
			loss = float64(exp-recv) / float64(exp)
		}
		r.hub.metrics.loss.WithLabelValues(r.id).Set(loss)
	}
	slices.Sort(speakers)
	speakers = slices.Compact(speakers)
	if !slices.Equal(speakers, r.speakers) {
		r.speakers = speakers
		r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeSpeaking,
			Speakers: append([]string{}, speakers...)}, nil)
	}
}
