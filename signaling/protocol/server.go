package protocol

import "encoding/json"

// Grants are what an invitation allows.
type Grants struct {
	Publish   bool `json:"publish"`
	Subscribe bool `json:"subscribe"`
	Sign      bool `json:"sign"`
	Host      bool `json:"host"`
}

// Participant describes one participant of a room.
type Participant struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Role    string          `json:"role"`
	VenueID string          `json:"venue_id,omitempty"`
	Grants  Grants          `json:"grants"`
	Muted   map[string]bool `json:"muted,omitempty"`
	// Unreachable is the reason the server cannot reach the participant ("network" or
	// "media"); absent while it is present.
	Unreachable string `json:"unreachable,omitempty"`
}

// Track describes one published track as subscribers see it.
type Track struct {
	ID          string `json:"id"`
	Participant string `json:"participant"`
	Kind        string `json:"kind"`
	Source      string `json:"source"`
	StreamID    string `json:"stream_id"`
	Muted       bool   `json:"muted"`
}

// ICEServer is a STUN or TURN server the client should use.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ServerMessage is every message the server sends; only the fields of its
// Type are set.
type ServerMessage struct {
	Type            string          `json:"type"`
	SessionID       string          `json:"session_id,omitempty"`
	Self            *Participant    `json:"self,omitempty"`
	ICEServers      []ICEServer     `json:"ice_servers,omitempty"`
	Participants    []Participant   `json:"participants,omitempty"`
	Tracks          []Track         `json:"tracks,omitempty"`
	MaxMessageSize  int             `json:"max_message_size,omitempty"`
	SDP             string          `json:"sdp,omitempty"`
	Target          string          `json:"target,omitempty"`
	Candidate       *Candidate      `json:"candidate,omitempty"`
	Participant     *Participant    `json:"participant,omitempty"`
	ParticipantID   string          `json:"participant_id,omitempty"`
	Track           *Track          `json:"track,omitempty"`
	TrackID         string          `json:"track_id,omitempty"`
	Source          string          `json:"source,omitempty"`
	Muted           *bool           `json:"muted,omitempty"`
	By              string          `json:"by,omitempty"`
	Speakers        []string        `json:"speakers,omitempty"`
	Event           string          `json:"event,omitempty"`
	Data            json.RawMessage `json:"data,omitempty"`
	Code            string          `json:"code,omitempty"`
	Message         string          `json:"message,omitempty"`
	Ref             string          `json:"ref,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	ReplacedSession bool            `json:"replaced,omitempty"`
	View            *View           `json:"view,omitempty"`  // welcome (when set), view_changed
	State           string          `json:"state,omitempty"` // presence: present or unreachable
}

// Error codes sent in error messages.
const (
	CodeBadMessage    = "bad_message"
	CodeTooLarge      = "message_too_large"
	CodeNotJoined     = "not_joined"
	CodeAlreadyJoined = "already_joined"
	CodeUnauthorized  = "unauthorized"
	CodeForbidden     = "forbidden"
	CodeRoomFull      = "room_full"
	CodeRemoved       = "removed"
	CodeBadSDP        = "bad_sdp"
	CodeOutOfOrder    = "out_of_order"
	CodeBadCandidate  = "bad_candidate"
	CodeTooManyCands  = "too_many_candidates"
	CodeRateLimited   = "rate_limited"
	CodeUnknownTarget = "unknown_participant"
	CodeJoinTimeout   = "join_timeout"
	CodeInternal      = "internal"
)

// Bye reasons.
const (
	ReasonLeft       = "left"
	ReasonRevoked    = "revoked"
	ReasonExpired    = "expired"
	ReasonSealed     = "sealed"
	ReasonRemoved    = "removed"
	ReasonReplaced   = "replaced"
	ReasonRoomClosed = "room_closed"
	ReasonShutdown   = "shutdown"
	ReasonViolation  = "protocol_violation"
	ReasonSlow       = "too_slow"
	ReasonFailed     = "connection_failed"
	ReasonRefused    = "refused"
	// ReasonLost: the server ended the session without a leave from the client: unreachable
	// for the grace period, or its socket broke. Also a participant_left reason.
	ReasonLost = "connection_lost"
)

// Encode marshals a server message.
func Encode(m ServerMessage) ([]byte, error) {
	return json.Marshal(m)
}
