package protocol

// Presence: whether the server can still reach a participant. A participant whose socket
// falls silent, or whose media connection stops, is announced as unreachable to the room
// (without leaving it) and as present again when it recovers; it leaves only when it says so
// or after the grace period (docs/signaling.md, "Presence").
const (
	TypePresence = "presence" // server: a participant became unreachable or present again

	PresencePresent     = "present"
	PresenceUnreachable = "unreachable"

	// Reasons a participant is unreachable.
	UnreachableNetwork = "network" // no frame and no pong on its WebSocket for the silence limit
	UnreachableMedia   = "media"   // one of its peer connections lost ICE connectivity (disconnected, failed, closed)
)
