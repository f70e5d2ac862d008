// Package signaling is the live ceremony's media server: a WebSocket
// signaling endpoint per agreement and a Pion SFU behind it.
//
// A Hub owns one room per live agreement. A client's first message is its
// invitation token; the Admitter (implemented outside this package) checks it
// and returns the Admission the invitation grants. Each admitted session has
// up to two peer connections: a publisher connection the client offers and the
// server answers, and a subscriber connection the server offers whenever the
// set of tracks changes. docs/signaling.md describes the protocol.
package signaling

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// Sentinel errors. Admitter implementations wrap ErrNotAdmitted (or return
// any error, which is treated the same) when an invitation is refused.
var (
	ErrNotAdmitted = errors.New("invitation not admitted")
	ErrHubClosed   = errors.New("signaling hub closed")
	ErrRoomFull    = errors.New("room full")
	ErrRemoved     = errors.New("participant removed from the room")
)

// Admission is what a verified invitation grants.
type Admission struct {
	AgreementID, ParticipantID, TokenID string
	Name, Role, VenueID                 string // role: host|signatory|witness|observer|venue
	Publish, Subscribe, Sign, Host      bool
	ExpiresAt                           time.Time
}

// Admitter checks an invitation token for an agreement: signature, audience,
// expiry, revocation and that the agreement is live (or signing). It returns
// an error for any token that must not join; the error text is logged but
// never sent to the client.
type Admitter interface {
	Admit(ctx context.Context, agreementID, token string) (Admission, error)
}

// Event is a ceremony event pushed to every participant of a room, such as
// "state_changed", "signature_added" or "recording". Data is marshalled to
// JSON and sent as the event message's data member.
type Event struct {
	Name string
	Data any
}

func (e Event) data() (json.RawMessage, error) {
	if e.Data == nil {
		return nil, nil
	}
	return json.Marshal(e.Data)
}

// SinkTrack describes a published track handed to a TrackSink.
type SinkTrack struct {
	AgreementID, ParticipantID, TrackID string
	SessionID                           string // the publisher's connection; a reconnect has a new one
	Source                              string // camera, microphone or screen
	Kind                                string // audio or video
	MimeType                            string
	ClockRate                           uint32
	SSRC                                uint32
	// RequestKeyframe asks the publisher for a key frame; calls are rate-limited to one
	// PLI per Config.PLIInterval, so a sink may call it on every packet while it waits.
	RequestKeyframe func()
}

// TrackSink receives every published track, for recording. StartTrack is
// called when a track's first packet arrives; a nil writer means "not
// interested".
type TrackSink interface {
	StartTrack(t SinkTrack) (RTPWriter, error)
}

// RTPWriter receives a track's packets in arrival order. WriteRTP is called
// on the forwarding path: it must not block and must not keep the packet or
// its payload after returning. Close is called once when the track ends; it
// must not block either (it runs under the room's lock).
type RTPWriter interface {
	WriteRTP(p *rtp.Packet) error
	Close() error
}

// RTCPWriter is implemented by an RTPWriter that also wants the RTCP the
// publisher sends about the track (sender reports, for wall-clock time). It is
// called from the track's RTCP reader and must not block.
type RTCPWriter interface {
	WriteRTCP(pkts []rtcp.Packet)
}
