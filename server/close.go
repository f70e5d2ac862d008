package server

import (
	"context"
	"net/http"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/sealing"
)

// signaturesCompleteEvent is pushed to every venue when the last required signature is in:
// the ceremony goes on until the host closes it.
type signaturesCompleteEvent struct {
	Signatures int `json:"signatures"`
}

// EventName is the event's name on the ceremony wire.
func (signaturesCompleteEvent) EventName() string { return "signatures.complete" }

// closedEvent is pushed to every venue when the ceremony closes; sealing follows.
type closedEvent struct {
	Reason string `json:"reason"`
}

// EventName is the event's name on the ceremony wire.
func (closedEvent) EventName() string { return "ceremony.closed" }

// announceClosing tells the room the ceremony is closed, before the recordings finish.
func (s *Server) announceClosing(agreementID, reason string) {
	s.broadcast(agreementID, closedEvent{Reason: reason})
}

// handleClose closes the ceremony and seals the agreement (the organizer's close, and the
// retry after a failed seal).
func (s *Server) handleClose(w http.ResponseWriter, r *http.Request) {
	s.closeAndSeal(w, r, r.PathValue("id"), sealing.ReasonOrganizer)
}

// handleHostClose lets the host (MC) close the ceremony from the room with their
// invitation.
func (s *Server) handleHostClose(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context()).join
	if c == nil || !c.Grants.Host {
		s.fail(w, r, forbidden("this invitation does not allow hosting the ceremony"))
		return
	}
	a, err := s.cfg.Store.Agreement(r.Context(), c.Agreement)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if p, ok := a.Participant(c.Participant); !ok || p.Role != agreement.RoleHost {
		s.fail(w, r, forbidden("the invitation's participant is no longer the host of this agreement"))
		return
	}
	s.closeAndSeal(w, r, a.ID, sealing.ReasonHost)
}

func (s *Server) closeAndSeal(w http.ResponseWriter, r *http.Request, id, reason string) {
	a, err := s.sealing.Close(context.WithoutCancel(r.Context()), id, callerFrom(r.Context()).actor(), reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreement": agreementViewOf(a)})
}
