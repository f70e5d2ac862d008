package server

import (
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/qrsvg"
)

// invitationView describes an invitation; Token is present only in the response that issued
// it, because the service does not keep tokens.
type invitationView struct {
	ParticipantID string     `json:"participant_id"`
	Role          string     `json:"role"`
	TokenID       string     `json:"token_id"`
	Token         string     `json:"token,omitempty"`
	URL           string     `json:"url,omitempty"` // the invitation link, shown only with the token
	QR            string     `json:"qr,omitempty"`  // the link as a QR code (SVG data URL), only with the token
	IssuedAt      time.Time  `json:"issued_at"`
	ExpiresAt     time.Time  `json:"expires_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

func invitationViewOf(inv agreement.Invitation, token string) invitationView {
	v := invitationView{ParticipantID: inv.ParticipantID, Role: string(inv.Role), TokenID: inv.JTI, Token: token,
		IssuedAt: inv.IssuedAt, ExpiresAt: inv.ExpiresAt}
	if !inv.RevokedAt.IsZero() {
		t := inv.RevokedAt
		v.RevokedAt = &t
	}
	return v
}

type transitionResponse struct {
	Agreement   agreementView    `json:"agreement"`
	Invitations []invitationView `json:"invitations,omitempty"`
}

// stateEvent is what the ceremony hub is told after a transition.
type stateEvent struct {
	State string `json:"state"`
	From  string `json:"from"`
}

// EventName is the event's name on the ceremony wire.
func (stateEvent) EventName() string { return "agreement.state" }

// handleSchedule freezes the documents and issues one invitation per participant. The tokens
// are in this response only.
func (s *Server) handleSchedule(w http.ResponseWriter, r *http.Request) {
	var issued []invitationView
	s.transition(w, r, agreement.StateScheduled, func(ed *agreement.Edit) error {
		if err := ed.Agreement.CheckSigningOrder(); err != nil {
			return err
		}
		docs := make([]documentView, 0, len(ed.Agreement.Documents))
		for _, d := range ed.Agreement.Documents {
			docs = append(docs, documentViewOf(d))
		}
		ed.Record("documents.frozen", callerFrom(r.Context()).actor(), map[string]any{"documents": docs})
		for _, p := range ed.Agreement.Participants {
			v, err := s.invite(r, ed, p)
			if err != nil {
				return err
			}
			issued = append(issued, v)
		}
		return nil
	}, &issued)
}

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	s.transition(w, r, agreement.StateLive, nil, nil)
}

func (s *Server) handleOpenSigning(w http.ResponseWriter, r *http.Request) {
	s.transition(w, r, agreement.StateSigning, nil, nil)
}

// handleCancel cancels a draft or scheduled agreement and revokes its invitations.
func (s *Server) handleCancel(w http.ResponseWriter, r *http.Request) {
	var revoked []string
	s.transition(w, r, agreement.StateCancelled, func(ed *agreement.Edit) error {
		for _, inv := range ed.LiveInvitations("", s.cfg.Now()) {
			ed.Revoke(inv.JTI)
			ed.Record("invitation.revoked", callerFrom(r.Context()).actor(),
				map[string]any{"participant": inv.ParticipantID, "token_id": inv.JTI, "reason": "cancelled"})
		}
		revoked = ed.Revoked
		return nil
	}, nil)
	s.tellRevoked(r.PathValue("id"), revoked)
}

// transition moves the agreement {id} to state to, running extra inside the same transaction,
// records the audit event and tells the ceremony hub.
func (s *Server) transition(w http.ResponseWriter, r *http.Request, to agreement.State, extra func(*agreement.Edit) error, issued *[]invitationView) {
	s.transitionOf(w, r, r.PathValue("id"), to, extra, issued)
}

// transitionOf is transition for the agreement id, wherever the route found it.
func (s *Server) transitionOf(w http.ResponseWriter, r *http.Request, id string, to agreement.State, extra func(*agreement.Edit) error, issued *[]invitationView) {
	var from agreement.State
	a, err := s.cfg.Store.UpdateAgreement(r.Context(), id, func(ed *agreement.Edit) error {
		from = ed.Agreement.State
		if err := ed.Agreement.Transition(to); err != nil {
			return err
		}
		ed.Record("agreement."+string(to), callerFrom(r.Context()).actor(), map[string]any{"from": from, "to": to})
		if extra != nil {
			return extra(ed)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("agreement transition", "agreement", a.ID, "from", from, "to", to)
	if s.cfg.Ceremony != nil {
		s.cfg.Ceremony.Broadcast(a.ID, stateEvent{State: string(a.State), From: string(from)})
	}
	resp := transitionResponse{Agreement: agreementViewOf(a)}
	if issued != nil {
		resp.Invitations = *issued
	}
	writeJSON(w, http.StatusOK, resp)
}

// invite issues an invitation token for participant p and records it in ed.
func (s *Server) invite(r *http.Request, ed *agreement.Edit, p agreement.Participant) (invitationView, error) {
	g := agreement.GrantsFor(p.Role)
	claims := auth.JoinClaims{Participant: p.ID, Agreement: ed.Agreement.ID, Role: string(p.Role),
		Grants: auth.Grants{Publish: g.Publish, Subscribe: g.Subscribe, Sign: g.Sign, Host: g.Host}}
	tok, c, err := s.cfg.Issuer.IssueJoin(claims, s.invitationExpiry(ed.Agreement))
	if err != nil {
		return invitationView{}, err
	}
	inv := agreement.Invitation{JTI: c.ID, AgreementID: ed.Agreement.ID, ParticipantID: p.ID, Role: p.Role,
		IssuedAt: c.IssuedAt.Time.UTC(), ExpiresAt: c.ExpiresAt.Time.UTC()}
	ed.Issue(inv)
	ed.Record("invitation.issued", callerFrom(r.Context()).actor(), map[string]any{"participant": p.ID,
		"role": p.Role, "token_id": inv.JTI, "expires_at": inv.ExpiresAt})
	v := invitationViewOf(inv, tok)
	v.URL = s.cfg.PublicURL + "/app/join.html#token=" + tok
	if v.QR, err = qrsvg.DataURL(v.URL); err != nil {
		// The error names the link's length only, never the link.
		s.log.Error("invitation qr code", "agreement", ed.Agreement.ID, "participant", p.ID, "err", err)
	}
	return v, nil
}

// invitationExpiry is InvitationTTL from now, or two days after the planned ceremony when
// that is later, so that invitations sent well ahead still work on the day.
func (s *Server) invitationExpiry(a *agreement.Agreement) time.Time {
	exp := s.cfg.Now().Add(s.cfg.InvitationTTL)
	if late := a.ScheduledAt.Add(48 * time.Hour); !a.ScheduledAt.IsZero() && late.After(exp) {
		exp = late
	}
	if limit := s.cfg.Now().Add(MaxScheduleAhead + 48*time.Hour); exp.After(limit) {
		exp = limit // a plan stored before scheduled_at was capped
	}
	return exp
}

func (s *Server) tellRevoked(agreementID string, jtis []string) {
	if s.cfg.Ceremony == nil {
		return
	}
	for _, jti := range jtis {
		s.cfg.Ceremony.Revoke(agreementID, jti)
	}
}

// handleListInvitations lists the agreement's invitations, without tokens.
func (s *Server) handleListInvitations(w http.ResponseWriter, r *http.Request) {
	invs, err := s.cfg.Store.Invitations(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]invitationView, 0, len(invs))
	for _, inv := range invs {
		out = append(out, invitationViewOf(inv, ""))
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": out})
}

func (s *Server) handleRevokeInvitation(w http.ResponseWriter, r *http.Request) {
	s.changeInvitation(w, r, false)
}

func (s *Server) handleReissueInvitation(w http.ResponseWriter, r *http.Request) {
	s.changeInvitation(w, r, true)
}

// changeInvitation revokes the participant's live invitations and, when reissue, issues a
// new one. Invitations exist from scheduling until sealing or cancelling.
func (s *Server) changeInvitation(w http.ResponseWriter, r *http.Request, reissue bool) {
	pid := r.PathValue("participantID")
	var revoked []string
	var issued invitationView
	_, err := s.cfg.Store.UpdateAgreement(r.Context(), r.PathValue("id"), func(ed *agreement.Edit) error {
		p, err := invitable(ed, pid)
		if err != nil {
			return err
		}
		live := ed.LiveInvitations(pid, s.cfg.Now())
		if len(live) == 0 && !reissue {
			return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "participant " + pid + " has no live invitation"}
		}
		for _, inv := range live {
			ed.Revoke(inv.JTI)
			ed.Record("invitation.revoked", callerFrom(r.Context()).actor(), map[string]any{"participant": pid, "token_id": inv.JTI})
		}
		revoked = ed.Revoked
		if reissue {
			issued, err = s.invite(r, ed, p)
		}
		return err
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.tellRevoked(r.PathValue("id"), revoked)
	if reissue {
		writeJSON(w, http.StatusOK, issued)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": revoked})
}

func invitable(ed *agreement.Edit, pid string) (agreement.Participant, error) {
	a := ed.Agreement
	switch a.State {
	case agreement.StateScheduled, agreement.StateLive, agreement.StateSigning:
	default:
		return agreement.Participant{}, &apiError{Status: http.StatusConflict, Code: "conflict",
			Message: "agreement is " + string(a.State) + "; invitations exist only while scheduled, live or signing", State: string(a.State)}
	}
	p, ok := a.Participant(pid)
	if !ok {
		return p, notFound("participant", pid)
	}
	return p, nil
}
