package signaling

import (
	"slices"
	"strings"
	"time"
)

// Layer allocation: every allocTicks room ticks the SFU gives each subscriber's simulcast
// cameras the layers that fit in the subscriber's estimated bandwidth (send-side, from its
// TWCC feedback). Audio and tracks without layers are served first, whatever the estimate.
const (
	allocTicks = 2
	// upHeadroom is how much more (percent) than its bitrate a higher layer than the one a
	// track receives needs, so that a steady estimate does not flip between two layers.
	upHeadroom = 125
	// congestedLoss is the fraction of packets a subscriber's receiver report on a video
	// track must give as lost before its layers go down: the delay-based estimate alone
	// reacts to jitter as if it were congestion (a 30 ms jitter link drove it to its floor
	// with nothing lost), and the estimator's own loss count takes packets that arrive late
	// on a busy receiver for lost. A receiver report (about every second) counts what never
	// came.
	congestedLoss = 0.1
	// reportFresh is how long a receiver report's loss counts.
	reportFresh = 2 * time.Second
	// upgradeHold is how long after a drop a track's layer stays down, whatever the
	// estimate says, so that a link just found too small is not filled again at once.
	upgradeHold = 20 * time.Second
)

// layerRates holds a track's bitrate per layer in bits per second, 0 for a layer not sent.
type layerRates [maxLayers]int

// allocate returns the layer each track gets within budget (bits per second), -1 for none
// (video paused): first the lowest layer of every track in order, then one layer more at a
// time, round-robin, while the budget lasts. cur holds the layers the tracks get now: a
// layer above its track's current one costs upHeadroom percent of its rate.
func allocate(budget int, tracks []layerRates, cur []int) []int {
	out := make([]int, len(tracks))
	spent := make([]int, len(tracks))
	cost := func(i, l int) int {
		if l > cur[i] {
			return tracks[i][l] * upHeadroom / 100
		}
		return tracks[i][l]
	}
	for i := range tracks {
		out[i] = -1
		if l := nextLayer(tracks[i], -1); l >= 0 && cost(i, l) <= budget {
			out[i], spent[i] = l, cost(i, l)
			budget -= spent[i]
		}
	}
	for more := true; more; {
		more = false
		for i := range tracks {
			l := nextLayer(tracks[i], out[i])
			if out[i] < 0 || l < 0 || cost(i, l)-spent[i] > budget {
				continue
			}
			budget -= cost(i, l) - spent[i]
			out[i], spent[i], more = l, cost(i, l), true
		}
	}
	return out
}

// nextLayer returns the lowest layer above after that is being sent, or -1.
func nextLayer(r layerRates, after int) int {
	for l := after + 1; l < maxLayers; l++ {
		if r[l] > 0 {
			return l
		}
	}
	return -1
}

// allocateLocked points the session's simulcast downTracks at the layers its estimate
// affords. Called under room.mu.
func (s *session) allocateLocked(now time.Time) {
	if s.bwe == nil || len(s.downs) == 0 {
		return
	}
	budget := s.bwe.GetTargetBitrate()
	var layered []*downTrack
	for f, d := range s.downs {
		switch {
		case f.muted.Load():
		case f.simulcast:
			layered = append(layered, d)
		default:
			budget -= f.rate(now)
		}
	}
	slices.SortFunc(layered, func(a, b *downTrack) int { return strings.Compare(a.fwd.info.ID, b.fwd.info.ID) })
	rates := make([]layerRates, len(layered))
	cur := make([]int, len(layered))
	for i, d := range layered {
		rates[i], cur[i] = d.fwd.layerRates(now), int(d.sel.target.Load())
	}
	var loss float64
	for _, d := range layered {
		loss = max(loss, d.reportedLoss(now))
	}
	congested := loss >= congestedLoss
	for i, l := range allocate(budget, rates, cur) {
		d := layered[i]
		if !layerChange(l, cur[i], rates[i], congested, now.Before(d.holdUntil)) {
			continue
		}
		if l < cur[i] {
			d.holdUntil = now.Add(upgradeHold)
		}
		d.sel.target.Store(int32(l))
		s.log.Debug("simulcast layer", "track", d.fwd.info.ID, "from", layerName(cur[i]),
			"to", layerName(l), "estimate", budget)
	}
}

// layerChange decides whether a track goes from layer cur to the allocated layer l: down
// only when the subscriber loses packets (or cur is no longer sent), up only after the
// hold that follows a drop.
func layerChange(l, cur int, r layerRates, congested, held bool) bool {
	switch {
	case l == cur:
		return false
	case cur >= 0 && r[cur] == 0:
		return true
	case l < cur:
		return congested
	}
	return !held
}
