package signaling

import (
	"slices"
	"time"
)

// Presence is one participant's session in a live room, as the server sees it: for the
// organizer's readiness board.
type Presence struct {
	ParticipantID string
	JoinedAt      time.Time
	Sources       []string        // what the session publishes: microphone, camera, screen
	Muted         map[string]bool // by source
	Unreachable   string          // protocol.UnreachableNetwork or UnreachableMedia, or ""
	RTT           time.Duration   // the last WebSocket ping's round trip; 0 before the first
}

// Roster lists who is in the agreement's live room now, in the order they joined; nil when
// nobody is.
func (h *Hub) Roster(agreementID string) []Presence {
	r := h.lookup(agreementID)
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Presence, 0, len(r.sessions))
	for _, s := range r.orderedLocked() {
		p := Presence{ParticipantID: s.adm.ParticipantID, JoinedAt: r.joined[s.adm.ParticipantID],
			Muted: map[string]bool{}, Unreachable: s.unreachable, RTT: time.Duration(s.rtt.Load())}
		for src, m := range s.muted {
			p.Muted[src] = m
		}
		for _, f := range s.tracks {
			if !slices.Contains(p.Sources, f.info.Source) {
				p.Sources = append(p.Sources, f.info.Source)
			}
		}
		out = append(out, p)
	}
	return out
}
