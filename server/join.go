package server

import (
	"net/http"

	"github.com/signroom/signroom/agreement"
)

// joinView is what an invitation holder sees of their agreement: its text, parties, venues,
// participants and documents, and who they are in it.
type joinView struct {
	Agreement   agreementView   `json:"agreement"`
	Participant participantView `json:"participant"`
	Grants      map[string]bool `json:"grants"`
}

// joinAgreement loads the agreement of the caller's invitation.
func (s *Server) joinAgreement(r *http.Request) (*agreement.Agreement, error) {
	return s.cfg.Store.Agreement(r.Context(), callerFrom(r.Context()).join.Agreement)
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	a, err := s.joinAgreement(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c := callerFrom(r.Context()).join
	p, ok := a.Participant(c.Participant)
	if !ok {
		s.fail(w, r, unauthorized("the invitation's participant is no longer part of the agreement"))
		return
	}
	v := agreementViewOf(a)
	v.Owner = "" // staff account ids are not the participants' business
	writeJSON(w, http.StatusOK, joinView{Agreement: v, Participant: participantViewOf(p), Grants: map[string]bool{
		"publish": c.Grants.Publish, "subscribe": c.Grants.Subscribe, "sign": c.Grants.Sign, "host": c.Grants.Host}})
}

// handleJoinDocument serves a document of the invitation's own agreement only.
func (s *Server) handleJoinDocument(w http.ResponseWriter, r *http.Request) {
	a, err := s.joinAgreement(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveDocument(w, r, a, r.PathValue("docID"))
}

// handleAudit returns the agreement's audit chain and its head.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	evs, err := s.cfg.Store.AuditEvents(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	head := ""
	if len(evs) > 0 {
		head = evs[len(evs)-1].Hash
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs, "head": head})
}
