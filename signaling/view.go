package signaling

import "github.com/signroom/signroom/signaling/protocol"

// handleView lets the host move the shared document view: everyone is told, and the room
// remembers it for those who join later.
func (s *session) handleView(m protocol.Message) {
	if !s.adm.Host {
		s.reject(protocol.CodeForbidden, "only the host may move the shared document view", m.Type)
		return
	}
	s.room.setView(protocol.View{Document: m.Document, Page: m.Page, By: s.adm.ParticipantID})
}

// setView records the shared view and tells every session, the host's included.
func (r *room) setView(v protocol.View) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.view = &v
	r.broadcastLocked(protocol.ServerMessage{Type: protocol.TypeViewChanged, View: &v}, nil)
}

// viewLocked returns a copy of the shared view for a welcome, or nil when none was set.
func (r *room) viewLocked() *protocol.View {
	if r.view == nil {
		return nil
	}
	v := *r.view
	return &v
}
