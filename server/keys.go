package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/signatures"
)

// signingCaller returns the invitation claims of a caller whose invitation may sign.
func signingCaller(r *http.Request) (*auth.JoinClaims, error) {
	c := callerFrom(r.Context()).join
	if c == nil || !c.Grants.Sign {
		return nil, forbidden("this invitation does not allow signing")
	}
	return c, nil
}

// keyRegistrable allows key registration and resets while the agreement is scheduled, live
// or signing.
func keyRegistrable(a *agreement.Agreement) error {
	switch a.State {
	case agreement.StateScheduled, agreement.StateLive, agreement.StateSigning:
		return nil
	}
	return &apiError{Status: http.StatusConflict, Code: "conflict", State: string(a.State),
		Message: "agreement is " + string(a.State) + "; signing keys are registered only while scheduled, live or signing"}
}

type keyRequest struct {
	JWK json.RawMessage `json:"jwk"`
}

type keyView struct {
	ParticipantID string         `json:"participant_id"`
	JWK           signatures.JWK `json:"jwk"`
	Thumbprint    string         `json:"thumbprint"`
	RegisteredAt  time.Time      `json:"registered_at"`
}

// handleRegisterKey binds the caller's public signing key (EC P-256 JWK) once.
func (s *Server) handleRegisterKey(w http.ResponseWriter, r *http.Request) {
	c, err := signingCaller(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req keyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	jwk, err := signatures.ParseJWK(req.JWK)
	if err != nil {
		s.fail(w, r, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_key", Message: "jwk: " + err.Error(),
			Fields: []fieldError{{Field: "jwk", Message: "must be an EC P-256 public JWK"}}})
		return
	}
	canon, _ := json.Marshal(jwk)
	k := agreement.SignerKey{AgreementID: c.Agreement, ParticipantID: c.Participant, JWK: string(canon), Thumbprint: jwk.Thumbprint()}
	err = s.cfg.Store.RegisterSignerKey(r.Context(), &k, func(a *agreement.Agreement) error {
		if _, ok := a.Participant(c.Participant); !ok {
			return forbidden("the invitation's participant is no longer part of the agreement")
		}
		return keyRegistrable(a)
	}, agreement.AuditEntry{Type: "signer_key.registered", Actor: callerFrom(r.Context()).actor(),
		Data: map[string]any{"participant": c.Participant, "thumbprint": k.Thumbprint, "jwk": jwk}})
	if errors.Is(err, agreement.ErrConflict) {
		err = &apiError{Status: http.StatusConflict, Code: "key_bound",
			Message: "a signing key is already registered for this participant; the organizer can reset it"}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("signer key registered", "agreement", c.Agreement, "participant", c.Participant, "thumbprint", k.Thumbprint)
	writeJSON(w, http.StatusCreated, keyView{ParticipantID: k.ParticipantID, JWK: jwk, Thumbprint: k.Thumbprint, RegisteredAt: k.RegisteredAt})
}

// handleResetKey unbinds a participant's signing key so that they can register a new one.
func (s *Server) handleResetKey(w http.ResponseWriter, r *http.Request) {
	id, pid := r.PathValue("id"), r.PathValue("participantID")
	var thumb string
	err := s.cfg.Store.ResetSignerKey(r.Context(), id, pid, func(a *agreement.Agreement) error {
		if _, ok := a.Participant(pid); !ok {
			return notFound("participant", pid)
		}
		return keyRegistrable(a)
	}, func(k agreement.SignerKey) agreement.AuditEntry {
		thumb = k.Thumbprint
		return agreement.AuditEntry{Type: "signer_key.reset", Actor: callerFrom(r.Context()).actor(),
			Data: map[string]any{"participant": pid, "thumbprint": k.Thumbprint}}
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("signer key reset", "agreement", id, "participant", pid, "thumbprint", thumb)
	writeJSON(w, http.StatusOK, map[string]any{"participant_id": pid, "reset_thumbprint": thumb})
}
