// Package protocol defines the Signroom ceremony signaling messages: JSON
// objects sent as WebSocket text frames between a browser (or any client) and
// the SFU. docs/signaling.md is the normative description; this package is
// its executable form.
//
// Every frame holds exactly one JSON object with a "type" member. Client
// frames are at most MaxMessageSize bytes and are checked by Decode before
// the server acts on them. Server frames are built from ServerMessage.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// MaxMessageSize is the largest client frame the server accepts, in bytes.
const MaxMessageSize = 64 << 10

// Field limits applied by Decode.
const (
	maxTokenLen   = 8 << 10
	maxSDPLen     = 60 << 10
	maxCandLen    = 1 << 10
	maxIDLen      = 128
	maxSources    = 16
	maxSourceName = 16
)

// Client message types.
const (
	TypeJoin              = "join"
	TypeOffer             = "offer"
	TypeAnswer            = "answer"
	TypeCandidate         = "candidate"
	TypeMute              = "mute"
	TypeMuteParticipant   = "mute_participant"
	TypeRemoveParticipant = "remove_participant"
	TypePing              = "ping"
	TypeLeave             = "leave"
	// TypeRestartICE asks for a subscriber offer that restarts ICE (the client's network
	// changed or its connection failed); the publisher connection restarts with the client's
	// own offer.
	TypeRestartICE = "restart_ice"
)

// Server message types (offer, answer and candidate are shared).
const (
	TypeWelcome           = "welcome"
	TypeParticipantJoined = "participant_joined"
	TypeParticipantLeft   = "participant_left"
	TypeTrackAdded        = "track_added"
	TypeTrackRemoved      = "track_removed"
	TypeMuteChanged       = "mute_changed"
	TypeSpeaking          = "speaking"
	TypeEvent             = "event"
	TypeError             = "error"
	TypeBye               = "bye"
	TypePong              = "pong"
)

// Targets name the two peer connections of a session.
const (
	TargetPublisher  = "publisher"  // client offers, server answers; carries the client's media up
	TargetSubscriber = "subscriber" // server offers, client answers; carries everyone else's media down
)

// Sources name what a track carries.
const (
	SourceMicrophone = "microphone"
	SourceCamera     = "camera"
	SourceScreen     = "screen"
)

// ErrInvalid is wrapped by every Decode error.
var ErrInvalid = errors.New("invalid message")

// Candidate is an ICE candidate in the browser's RTCIceCandidateInit shape.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment *string `json:"usernameFragment,omitempty"`
}

// Message is a decoded client message. Only the fields of its Type are set.
type Message struct {
	Type        string            `json:"type"`
	Token       string            `json:"token,omitempty"`
	SDP         string            `json:"sdp,omitempty"`
	Sources     map[string]string `json:"sources,omitempty"`
	Target      string            `json:"target,omitempty"`
	Candidate   *Candidate        `json:"candidate,omitempty"`
	Source      string            `json:"source,omitempty"`
	Muted       *bool             `json:"muted,omitempty"`
	Participant string            `json:"participant,omitempty"`
	Document    string            `json:"document,omitempty"` // view
	Page        int               `json:"page,omitempty"`     // view
}

// Decode parses and validates one client frame. Errors wrap ErrInvalid and
// say which rule failed; they never echo the frame's content.
func Decode(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessageSize {
		return m, fmt.Errorf("%w: frame of %d bytes exceeds %d", ErrInvalid, len(b), MaxMessageSize)
	}
	if !utf8.Valid(b) {
		return m, fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("%w: not a JSON object: %s", ErrInvalid, jsonErrorKind(err))
	}
	if dec.More() {
		return Message{}, fmt.Errorf("%w: trailing data after the object", ErrInvalid)
	}
	if err := m.validate(); err != nil {
		return Message{}, fmt.Errorf("%w: %s: %w", ErrInvalid, typeForError(m.Type), err)
	}
	return m, nil
}

func jsonErrorKind(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error"
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type"
	default:
		return "unreadable"
	}
}

// typeForError returns a type name safe to print back to the client.
func typeForError(t string) string {
	if len(t) > 32 || !utf8.ValidString(t) {
		return "message"
	}
	return fmt.Sprintf("%q", t)
}
