package server

import (
	"net/http"

	"github.com/signroom/signroom/agreement"
)

// handleHostOpenSigning lets the host (MC) open signing from the ceremony with their
// invitation: the same live -> signing transition, audit event and ceremony event as
// POST /api/agreements/{id}/open-signing, with the participant as the actor.
func (s *Server) handleHostOpenSigning(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context()).join
	if c == nil || !c.Grants.Host {
		s.fail(w, r, forbidden("this invitation does not allow hosting the ceremony"))
		return
	}
	s.transitionOf(w, r, c.Agreement, agreement.StateSigning, func(ed *agreement.Edit) error {
		if p, ok := ed.Agreement.Participant(c.Participant); !ok || p.Role != agreement.RoleHost {
			return forbidden("the invitation's participant is no longer the host of this agreement")
		}
		return nil
	}, nil)
}
