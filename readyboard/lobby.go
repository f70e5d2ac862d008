package readyboard

import (
	"sync"
	"time"
)

// lobbyKeep is how long the Lobby remembers a participant it has not seen again.
const lobbyKeep = 7 * 24 * time.Hour

// Lobby remembers when each participant's invitation page last asked the server (GET
// /api/join), in memory: a restart forgets it, and the board then shows them as not seen
// until their page asks again (within ten seconds while it waits in the lobby).
type Lobby struct {
	mu     sync.Mutex
	seen   map[lobbyKey]time.Time
	pruned time.Time
}

type lobbyKey struct{ agreement, participant string }

// NewLobby returns an empty Lobby.
func NewLobby() *Lobby { return &Lobby{seen: map[lobbyKey]time.Time{}} }

// Seen records that the participant's page asked at now.
func (l *Lobby) Seen(agreementID, participantID string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen[lobbyKey{agreementID, participantID}] = now
	if now.Sub(l.pruned) > time.Hour {
		l.pruned = now
		for k, t := range l.seen {
			if now.Sub(t) > lobbyKeep {
				delete(l.seen, k)
			}
		}
	}
}

// LastSeen returns when the participant's page last asked, or the zero time. A nil Lobby has
// seen nobody.
func (l *Lobby) LastSeen(agreementID, participantID string) time.Time {
	if l == nil {
		return time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[lobbyKey{agreementID, participantID}]
}
