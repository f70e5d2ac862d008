package signaling

import (
	"log/slog"
	"time"

	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a Hub. The zero value of every field has a usable default
// except that production servers should set ICEUDPPort.
type Config struct {
	ICEUDPPort int // the one UDP port of all peers; 0 picks a free port
	ICETCPPort int // ICE-TCP fallback port; 0 disables it
	// ICEAddr is the IP address the ICE sockets bind to; empty or unspecified: every
	// interface address (see rtcapi.Options.ICEAddr).
	ICEAddr      string
	PublicIPs    []string           // the only addresses announced (1:1 NAT), replacing local ones
	ICEServers   []webrtc.ICEServer // STUN/TURN servers handed to clients in welcome
	MaxRoomSize  int                // participants per room; default 16
	Logger       *slog.Logger       // default: discard
	LoopbackOnly bool               // tests: 127.0.0.1 candidates only, mDNS off
	Registerer   prometheus.Registerer
	// OriginPatterns lists the allowed Origin hosts of the WebSocket request
	// (path.Match patterns). Same-origin requests and requests without an Origin
	// (non-browser clients) are always allowed; see originAllowed.
	OriginPatterns []string
	// InsecureSkipOriginCheck accepts any Origin (tests, tools).
	InsecureSkipOriginCheck bool
	JoinTimeout             time.Duration // to receive the join message; default 10s
	PLIInterval             time.Duration // between keyframe requests; default 500ms
	Sink                    TrackSink     // optional recorder hook
	// Audit, when set, records every join, leave, mute and removal in the agreement's audit
	// trail (see AuditSink).
	Audit AuditSink
	// Candidates decides which remote ICE candidates are accepted (see CandidatePolicy).
	Candidates CandidatePolicy
	// PresenceGrace is how long a participant may stay unreachable before the server ends
	// its session (participant_left connection_lost); default 30s.
	PresenceGrace time.Duration
	// ICEServersFor, when set, adds a participant's own servers to its welcome (the embedded
	// TURN server's short-lived credentials), given its participant id and the invitation's
	// expiry.
	ICEServersFor func(participantID string, invitationExpires time.Time) []webrtc.ICEServer
	// Net, when set, carries the media instead of the operating system's network (tests: a
	// pion vnet with delay, loss and rate limits); the ICE socket binds to ICEAddr on it.
	Net transport.Net
}

// MaxServedRoomSize is the largest room a server should be configured for: in a room of 32
// participants publishing audio and video, a subscriber's offer (62 media sections) and its
// answer stay within the 65536-byte frame limit, with room for a few screen shares
// (TestLargestFramesInAFullRoom measures both). At about 37 such participants the offer
// passes 65536 bytes. docs/signaling.md, "Frame sizes".
const MaxServedRoomSize = 32

const (
	defaultRoomSize    = 16
	defaultJoinTimeout = 10 * time.Second
	defaultPLIInterval = 500 * time.Millisecond
	hardReadLimit      = 1 << 20 // frames above this close the socket
	sendQueueLen       = 512     // per-session outgoing messages before it counts as too slow
	writeTimeout       = 10 * time.Second
	maxCandidates      = 40  // remote candidates per peer connection and description
	msgBurst           = 100 // client messages allowed in a burst
	msgRate            = 50  // client messages per second sustained
	maxStrikes         = 20  // errors before the server disconnects the client
	speakingLevel      = 50  // -dBov; louder (smaller) than this counts as voice
	speakingHold       = 600 * time.Millisecond
	roomTick           = 250 * time.Millisecond
)

func (c Config) withDefaults() Config {
	if c.MaxRoomSize <= 0 {
		c.MaxRoomSize = defaultRoomSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = defaultJoinTimeout
	}
	if c.PresenceGrace <= 0 {
		c.PresenceGrace = defaultPresenceGrace
	}
	if c.PLIInterval <= 0 {
		c.PLIInterval = defaultPLIInterval
	}
	return c
}
