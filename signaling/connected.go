package signaling

// Connected reports whether the participant has a session in the agreement's live room now.
// The signing API uses it to accept signatures only from signers present at the ceremony.
func (h *Hub) Connected(agreementID, participantID string) bool {
	r := h.lookup(agreementID)
	return r != nil && r.session(participantID) != nil
}
