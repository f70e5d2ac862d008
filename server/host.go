package server

import (
	"net/http"

	"github.com/signroom/signroom/agreement"
)

// handleHostStart lets the host (MC) start the ceremony from the lobby with their invitation:
// the same scheduled -> live transition, audit event and ceremony event as
// POST /api/agreements/{id}/start, with the participant as the actor.
func (s *Server) handleHostStart(w http.ResponseWriter, r *http.Request) {
	s.hostTransition(w, r, agreement.StateLive)
}

// handleHostOpenSigning lets the host (MC) open signing from the ceremony with their
// invitation: the same live -> signing transition, audit event and ceremony event as
// POST /api/agreements/{id}/open-signing, with the participant as the actor.
func (s *Server) handleHostOpenSigning(w http.ResponseWriter, r *http.Request) {
	s.hostTransition(w, r, agreement.StateSigning)
}

// hostTransition moves the caller's agreement to state to when the invitation carries the
// host grant and its participant is still the agreement's host.
func (s *Server) hostTransition(w http.ResponseWriter, r *http.Request, to agreement.State) {
	c := callerFrom(r.Context()).join
	if c == nil || !c.Grants.Host {
		s.fail(w, r, forbidden("this invitation does not allow hosting the ceremony"))
		return
	}
	s.transitionOf(w, r, c.Agreement, to, func(ed *agreement.Edit) error {
		if p, ok := ed.Agreement.Participant(c.Participant); !ok || p.Role != agreement.RoleHost {
			return forbidden("the invitation's participant is no longer the host of this agreement")
		}
		return nil
	}, nil)
}
