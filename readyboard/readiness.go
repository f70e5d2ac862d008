// Package readyboard builds the organizer's readiness board of a ceremony: for each
// participant, where they are (in the room, in the lobby, seen earlier, not seen), their camera
// and microphone, the connection as the server sees it, and whether a signer's key is
// registered.
//
// Inputs: the agreement, the live room's presence (the signaling hub's view: who is in, what
// they publish and mute, the WebSocket round-trip time and whether media reach the server),
// the Lobby (when each invitation holder last loaded their invitation: the lobby page asks
// every ten seconds while it waits for the ceremony) and the signer keys. Nothing here changes
// state.
package readyboard

import (
	"context"
	"errors"
	"time"

	"github.com/signroom/signroom/agreement"
)

// Where a participant is.
const (
	WhereRoom   = "room"   // connected to the live ceremony
	WhereLobby  = "lobby"  // their invitation page asked within LobbyWindow
	WhereSeen   = "seen"   // opened their invitation earlier, not in the room now
	WhereAbsent = "absent" // never opened their invitation (since the server started)
)

// Device states.
const (
	DeviceOn   = "on"
	DeviceOff  = "off"  // published, muted
	DeviceNone = "none" // nothing published (no device, refused, or an observer)
)

// Connection levels, from the server's side.
const (
	ConnGood    = "good"
	ConnFair    = "fair"
	ConnPoor    = "poor"
	ConnLost    = "unreachable" // nothing heard for seconds, or the media stopped arriving
	ConnUnknown = "unknown"     // no round trip measured yet
)

// LobbyWindow is how recently an invitation page must have asked for its participant to be
// in the lobby: the lobby page asks every 10 s while it waits.
const LobbyWindow = 25 * time.Second

// Presence is one participant's session in the live room.
type Presence struct {
	ParticipantID string
	JoinedAt      time.Time
	Sources       []string        // published: "microphone", "camera", "screen"
	Muted         map[string]bool // by source
	Unreachable   string          // why the server cannot reach them now ("network", "media"), or ""
	RTT           time.Duration   // the last WebSocket ping round trip; 0 before the first
}

// Keys reads registered signer keys; agreement.ErrNotFound means none.
type Keys interface {
	SignerKey(ctx context.Context, agreementID, participantID string) (agreement.SignerKey, error)
}

// Entry is one participant's line on the board.
type Entry struct {
	ParticipantID string     `json:"participant_id"`
	Name          string     `json:"name"`
	Title         string     `json:"title,omitempty"`
	Role          string     `json:"role"`
	PartyID       string     `json:"party_id,omitempty"`
	VenueID       string     `json:"venue_id"`
	Where         string     `json:"where"`
	LastSeenAt    *time.Time `json:"last_seen_at,omitempty"` // last load of the invitation page
	JoinedAt      *time.Time `json:"joined_at,omitempty"`    // in the room since
	Camera        string     `json:"camera,omitempty"`       // in the room only
	Microphone    string     `json:"microphone,omitempty"`   // in the room only
	Connection    string     `json:"connection,omitempty"`   // in the room only
	Unreachable   string     `json:"unreachable,omitempty"`
	RTTMillis     int64      `json:"rtt_ms,omitempty"`
	// KeyRegistered: for participants who sign, whether their browser registered its key.
	KeyRegistered *bool `json:"key_registered,omitempty"`
}

// Board is the whole readiness board.
type Board struct {
	AgreementID  string    `json:"agreement_id"`
	State        string    `json:"state"`
	At           time.Time `json:"at"`
	InRoom       int       `json:"in_room"`
	InLobby      int       `json:"in_lobby"`
	KeysMissing  int       `json:"keys_missing"` // signers without a registered key
	Participants []Entry   `json:"participants"`
}

// Build assembles the board of a at now.
func Build(ctx context.Context, a *agreement.Agreement, room []Presence, lobby *Lobby, keys Keys, now time.Time) (Board, error) {
	in := map[string]Presence{}
	for _, p := range room {
		in[p.ParticipantID] = p
	}
	b := Board{AgreementID: a.ID, State: string(a.State), At: now.UTC(), Participants: []Entry{}}
	for _, p := range a.Participants {
		e := Entry{ParticipantID: p.ID, Name: p.Name, Title: p.Title, Role: string(p.Role), PartyID: p.PartyID, VenueID: p.VenueID}
		e.place(in, lobby.LastSeen(a.ID, p.ID), now)
		if err := e.key(ctx, a, p, keys); err != nil {
			return Board{}, err
		}
		b.count(e)
		b.Participants = append(b.Participants, e)
	}
	return b, nil
}

// place says where the participant is and, in the room, how their devices and connection are.
func (e *Entry) place(in map[string]Presence, seen, now time.Time) {
	if !seen.IsZero() {
		t := seen.UTC()
		e.LastSeenAt = &t
	}
	pr, ok := in[e.ParticipantID]
	switch {
	case ok:
		e.Where = WhereRoom
	case !seen.IsZero() && now.Sub(seen) <= LobbyWindow:
		e.Where = WhereLobby
		return
	case !seen.IsZero():
		e.Where = WhereSeen
		return
	default:
		e.Where = WhereAbsent
		return
	}
	t := pr.JoinedAt.UTC()
	e.JoinedAt = &t
	e.Camera = device(pr, "camera")
	e.Microphone = device(pr, "microphone")
	e.Connection = Level(pr.RTT, pr.Unreachable)
	e.Unreachable = pr.Unreachable
	e.RTTMillis = pr.RTT.Milliseconds()
}

func device(p Presence, source string) string {
	for _, s := range p.Sources {
		if s == source {
			if p.Muted[source] {
				return DeviceOff
			}
			return DeviceOn
		}
	}
	return DeviceNone
}

// key notes, for a participant who signs, whether their key is registered.
func (e *Entry) key(ctx context.Context, a *agreement.Agreement, p agreement.Participant, keys Keys) error {
	if !agreement.GrantsFor(p.Role).Sign {
		return nil
	}
	_, err := keys.SignerKey(ctx, a.ID, p.ID)
	if err != nil && !errors.Is(err, agreement.ErrNotFound) {
		return err
	}
	ok := err == nil
	e.KeyRegistered = &ok
	return nil
}

func (b *Board) count(e Entry) {
	switch e.Where {
	case WhereRoom:
		b.InRoom++
	case WhereLobby:
		b.InLobby++
	}
	if e.KeyRegistered != nil && !*e.KeyRegistered {
		b.KeysMissing++
	}
}

// Level rates a connection from the server's side: unreachable when the server cannot reach
// it, else by the WebSocket round trip (good under 150 ms, fair under 400 ms, else poor).
func Level(rtt time.Duration, unreachable string) string {
	switch {
	case unreachable != "":
		return ConnLost
	case rtt <= 0:
		return ConnUnknown
	case rtt < 150*time.Millisecond:
		return ConnGood
	case rtt < 400*time.Millisecond:
		return ConnFair
	}
	return ConnPoor
}
