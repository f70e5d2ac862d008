package server

import (
	"context"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
)

// joinView is what an invitation holder sees of their agreement: its text, parties, venues,
// participants and documents, and who they are in it.
type joinView struct {
	Agreement   agreementView   `json:"agreement"`
	Participant participantView `json:"participant"`
	Grants      map[string]bool `json:"grants"`
	// Signatures already recorded, in the shape of the signature.added event, so a page that
	// joins or reloads mid-ceremony shows them and knows whose turn it is.
	Signatures []signatureEvent `json:"signatures"`
	// RecordingActive: the recorder is writing this ceremony now (the room's indicator;
	// recording.state events change it).
	RecordingActive bool `json:"recording_active"`
	// InvitationExpiresAt is when this link stops working: after the seal, the end of the
	// period in which it downloads the participant's copy of the sealed PDF.
	InvitationExpiresAt time.Time `json:"invitation_expires_at"`
	// Seal: once sealed, the agreement.sealed event's data (when, and the sealed PDF's and
	// bundle's SHA-256), so a link opened after the seal says when it was sealed.
	Seal *sealedEvent `json:"seal,omitempty"`
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
	sigs, err := s.signatureEvents(r, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.lobby.Seen(a.ID, p.ID, s.cfg.Now())
	v := agreementViewOf(a)
	v.Owner = "" // staff account ids are not the participants' business
	writeJSON(w, http.StatusOK, joinView{Agreement: v, Participant: participantViewOf(p), Grants: map[string]bool{
		"publish": c.Grants.Publish, "subscribe": c.Grants.Subscribe, "sign": c.Grants.Sign, "host": c.Grants.Host},
		Signatures: sigs, RecordingActive: s.cfg.RecordingActive != nil && s.cfg.RecordingActive(a.ID),
		InvitationExpiresAt: c.ExpiresAt.Time.UTC(), Seal: s.sealOf(r.Context(), a)})
}

// sealOf is the sealed agreement's seal as the agreement.sealed event gives it, nil before
// the seal is done (or when its record cannot be read: the page then only lacks the time).
func (s *Server) sealOf(ctx context.Context, a *agreement.Agreement) *sealedEvent {
	if a.State != agreement.StateSealed {
		return nil
	}
	rec, err := s.cfg.Store.Seal(ctx, a.ID)
	if err != nil || rec.Status != agreement.SealDone {
		return nil
	}
	ev := sealedEventOf(rec)
	return &ev
}

// handleJoinSealedPDF serves the participant's copy of the sealed PDF once the agreement is
// sealed, for as long as their invitation is valid; audited like every evidence download.
func (s *Server) handleJoinSealedPDF(w http.ResponseWriter, r *http.Request) {
	a, err := s.joinAgreement(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.serveArtifactOf(w, r, a, artifactPDF, "application/pdf")
}

// signatureEvents lists the agreement's recorded signatures as signature.added events, with
// remaining counting down as they were made.
func (s *Server) signatureEvents(r *http.Request, a *agreement.Agreement) ([]signatureEvent, error) {
	sigs, err := s.cfg.Store.Signatures(r.Context(), a.ID)
	if err != nil {
		return nil, err
	}
	out := make([]signatureEvent, 0, len(sigs))
	remaining := len(a.Signatories())
	for _, sig := range sigs {
		p, _ := a.Participant(sig.ParticipantID)
		st, _ := expectedStatement(a, p) // the party's names as the signer's statement gives them
		if p.Role == agreement.RoleSignatory {
			remaining--
		}
		out = append(out, signatureEvent{ParticipantID: p.ID, Role: string(p.Role), Name: p.Name, Title: p.Title,
			PartyID: p.PartyID, PartyNames: st.PartyNames, SignedAt: sig.SignedAt, Thumbprint: sig.Thumbprint,
			Remaining: remaining})
	}
	return out, nil
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
