package server

import (
	"net/http"

	"github.com/signroom/signroom/readyboard"
)

// handleReadiness answers the readiness board of the agreement {id}: who is in the lobby and in
// the room, their camera, microphone and connection, and whether each signer's key is
// registered (package readyboard).
func (s *Server) handleReadiness(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r.Context()).agr
	var room []readyboard.Presence
	if s.cfg.Roster != nil {
		room = s.cfg.Roster(a.ID)
	}
	b, err := readyboard.Build(r.Context(), a, room, s.lobby, s.cfg.Store, s.cfg.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}
