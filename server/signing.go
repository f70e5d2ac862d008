package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/signatures"
)

// Signing limits and lifetimes.
const (
	NonceTTL          = 5 * time.Minute // a signing nonce is usable this long after it is issued
	MaxSignatureAge   = 5 * time.Minute // iat may be this far in the past
	MaxClockSkew      = 1 * time.Minute // iat may be this far in the future
	MaxStillBytes     = 2 << 20         // camera still (JPEG or PNG), decoded
	MaxDrawingBytes   = 2 << 20         // drawn signature (PNG), decoded
	MaxSignatureBytes = 6 << 20         // whole POST /api/join/signature body
)

// signingParticipant loads the caller's agreement and participant for a signing route.
func (s *Server) signingParticipant(r *http.Request) (*auth.JoinClaims, *agreement.Agreement, agreement.Participant, error) {
	c, err := signingCaller(r)
	if err != nil {
		return nil, nil, agreement.Participant{}, err
	}
	a, err := s.cfg.Store.Agreement(r.Context(), c.Agreement)
	if err != nil {
		return nil, nil, agreement.Participant{}, err
	}
	p, ok := a.Participant(c.Participant)
	if !ok || (p.Role != agreement.RoleSignatory && p.Role != agreement.RoleWitness) {
		return nil, nil, p, forbidden("the invitation's participant may not sign this agreement")
	}
	return c, a, p, nil
}

type statementResponse struct {
	Statement signatures.Statement `json:"statement"`
	Languages []string             `json:"languages"`
}

// handleStatement returns the claims the caller must sign. The browser adds nonce and
// chain_head from POST /api/join/nonce, iat, and the optional still and drawing hashes.
func (s *Server) handleStatement(w http.ResponseWriter, r *http.Request) {
	_, a, p, err := s.signingParticipant(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := expectedStatement(a, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st.ChainHead, err = s.cfg.Store.AuditHead(r.Context(), a.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, statementResponse{Statement: st, Languages: a.Languages()})
}

type nonceResponse struct {
	Nonce     string               `json:"nonce"`
	ChainHead string               `json:"chain_head"`
	ExpiresAt time.Time            `json:"expires_at"`
	Statement signatures.Statement `json:"statement"` // complete but for iat and the optional hashes
}

// handleNonce issues a single-use nonce bound to the caller and to the audit head now, and
// returns the statement to sign with both filled in.
func (s *Server) handleNonce(w http.ResponseWriter, r *http.Request) {
	_, a, p, err := s.signingParticipant(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if a.State != agreement.StateLive && a.State != agreement.StateSigning {
		s.fail(w, r, stateConflict(a, "nonces are issued only while the ceremony is live or signing"))
		return
	}
	st, err := expectedStatement(a, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	head, err := s.cfg.Store.AuditHead(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now().UTC()
	value := newNonce()
	n := agreement.Nonce{Hash: sha256Hex([]byte(value)), AgreementID: a.ID, ParticipantID: p.ID, ChainHead: head,
		IssuedAt: now, ExpiresAt: now.Add(NonceTTL)}
	if err := s.cfg.Store.IssueNonce(r.Context(), n); err != nil {
		s.fail(w, r, err)
		return
	}
	st.Nonce, st.ChainHead = value, head
	writeJSON(w, http.StatusCreated, nonceResponse{Nonce: value, ChainHead: head, ExpiresAt: n.ExpiresAt, Statement: st})
}

func newNonce() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func stateConflict(a *agreement.Agreement, msg string) *apiError {
	return &apiError{Status: http.StatusConflict, Code: "wrong_state", State: string(a.State),
		Message: "agreement is " + string(a.State) + "; " + msg}
}

func refuse(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

// connected asks the ceremony hub whether the participant is in the room; without a hub
// nobody is.
func (s *Server) connected(agreementID, participantID string) bool {
	return s.cfg.Ceremony != nil && s.cfg.Ceremony.Connected(agreementID, participantID)
}

func (s *Server) broadcast(agreementID string, ev any) {
	if s.cfg.Ceremony != nil {
		s.cfg.Ceremony.Broadcast(agreementID, ev)
	}
}

// signatureEvent is pushed to every venue when a signature is recorded.
type signatureEvent struct {
	ParticipantID string            `json:"participant_id"`
	Role          string            `json:"role"`
	Name          string            `json:"name"`
	Title         string            `json:"title,omitempty"`
	PartyID       string            `json:"party_id"`
	PartyNames    map[string]string `json:"party_names"` // language -> name, as in the signed statement
	SignedAt      time.Time         `json:"signed_at"`
	Thumbprint    string            `json:"thumbprint"`
	Remaining     int               `json:"remaining"` // signatories still to sign
}

// EventName is the event's name on the ceremony wire.
func (signatureEvent) EventName() string { return "signature.added" }

// sealedEvent is pushed to every venue when the agreement is sealed.
type sealedEvent struct {
	SealedAt        time.Time `json:"sealed_at"`
	SealedPDFSHA256 string    `json:"sealed_pdf_sha256"`
	BundleSHA256    string    `json:"bundle_sha256"`
}

// EventName is the event's name on the ceremony wire.
func (sealedEvent) EventName() string { return "agreement.sealed" }

// remainingSignatories counts the signatories without a signature.
func remainingSignatories(a *agreement.Agreement, signed func(string) bool) int {
	return a.Unsigned(signed)
}
