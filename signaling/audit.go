package signaling

import "github.com/signroom/signroom/signaling/protocol"

// Room events for the agreement's audit trail (Config.Audit).
const (
	EventJoined  = "ceremony.joined"  // data: participant, session, role
	EventLeft    = "ceremony.left"    // data: participant, session, reason (a protocol.Reason*)
	EventMuted   = "ceremony.muted"   // data: participant, source, muted, by (who muted)
	EventRemoved = "ceremony.removed" // data: participant, by (the host)
)

// RoomEvent is one join, leave, mute or removal in a live room.
type RoomEvent struct {
	Type  string         // one of the Event* names
	Actor string         // who did it: "participant:ID"
	Data  map[string]any // what docs/signaling.md, "Audit", lists for the type
}

// AuditSink records room events in the agreement's audit trail. The hub calls Record from the
// session's goroutine, outside every room lock, and waits for it: it should return within
// seconds, and log (not return) its failures.
type AuditSink interface {
	Record(agreementID string, e RoomEvent)
}

// audit tells the configured sink of an event done by the session's participant.
func (s *session) audit(typ string, data map[string]any) {
	if s.hub.cfg.Audit == nil {
		return
	}
	s.hub.cfg.Audit.Record(s.adm.AgreementID, RoomEvent{Type: typ, Actor: "participant:" + s.adm.ParticipantID, Data: data})
}

func (s *session) auditJoined() {
	s.audit(EventJoined, map[string]any{"participant": s.adm.ParticipantID, "session": s.id, "role": s.adm.Role})
}

func (s *session) auditLeft() {
	reason := protocol.ReasonLeft
	if b := s.bye.Load(); b != nil {
		reason = *b
	}
	s.audit(EventLeft, map[string]any{"participant": s.adm.ParticipantID, "session": s.id, "reason": reason})
}

// auditMuted records that the session muted (or unmuted) target's source.
func (s *session) auditMuted(target *session, source string, muted bool) {
	s.audit(EventMuted, map[string]any{"participant": target.adm.ParticipantID, "source": source, "muted": muted,
		"by": s.adm.ParticipantID})
}

func (s *session) auditRemoved(target *session) {
	s.audit(EventRemoved, map[string]any{"participant": target.adm.ParticipantID, "by": s.adm.ParticipantID})
}
