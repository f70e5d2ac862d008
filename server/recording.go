package server

import (
	"net/http"

	"github.com/signroom/signroom/agreement"
)

// recordingRequest is the body of PUT /api/agreements/{id}/recording.
type recordingRequest struct {
	Enabled *bool `json:"enabled" validate:"required"`
}

// handleSetRecording turns recording on or off for an agreement before its ceremony goes
// live (draft or scheduled): audit event recording.disabled or recording.enabled.
func (s *Server) handleSetRecording(w http.ResponseWriter, r *http.Request) {
	var req recordingRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := s.cfg.Store.UpdateAgreement(r.Context(), r.PathValue("id"), func(ed *agreement.Edit) error {
		a := ed.Agreement
		if a.State != agreement.StateDraft && a.State != agreement.StateScheduled {
			return stateConflict(a, "recording can be turned on or off only before the ceremony goes live")
		}
		off := !*req.Enabled
		if a.RecordingOff == off {
			return nil
		}
		a.RecordingOff = off
		typ := map[bool]string{true: "recording.disabled", false: "recording.enabled"}[off]
		ed.Record(typ, callerFrom(r.Context()).actor(), map[string]any{"enabled": *req.Enabled})
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreement": agreementViewOf(a)})
}
