package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
)

// signatureRequest is the body of POST /api/join/signature. Still and drawing are base64
// (standard alphabet) and optional; their SHA-256 must be in the statement when present.
type signatureRequest struct {
	JWS     string `json:"jws"`
	Still   []byte `json:"still,omitempty"`
	Drawing []byte `json:"drawing,omitempty"`
}

// attachment is an uploaded still or drawing, checked against the statement.
type attachment struct {
	what, ext, key, sha256 string
	data                   []byte
}

type signatureResponse struct {
	ParticipantID string    `json:"participant_id"`
	Thumbprint    string    `json:"thumbprint"`
	SignedAt      time.Time `json:"signed_at"`
	AuditEvent    string    `json:"audit_event"` // hash of the signature.added event
	Remaining     int       `json:"remaining"`
	// Complete: no signatory is left; the ceremony goes on until it is closed.
	Complete bool `json:"complete"`
}

// handleSignature verifies and records the caller's signature and tells every venue; after
// the last required one they hear "signatures.complete" (the ceremony is closed, and the
// agreement sealed, by POST /api/join/close or .../close, or automatically).
func (s *Server) handleSignature(w http.ResponseWriter, r *http.Request) {
	_, a, p, err := s.signingParticipant(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req signatureRequest
	if err := decodeJSONLimit(w, r, &req, MaxSignatureBytes); err != nil {
		s.fail(w, r, err)
		return
	}
	st, key, files, err := s.checkSignature(r.Context(), a, p, req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.storeAttachments(r.Context(), a.ID, p.ID, files); err != nil {
		s.fail(w, r, err)
		return
	}
	sig, remaining, ev, err := s.recordSignature(r, a.ID, p, st, key, req.JWS, files)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("signature recorded", "agreement", a.ID, "participant", p.ID, "thumbprint", sig.Thumbprint, "remaining", remaining)
	party, _ := partyOf(a, p)
	s.broadcast(a.ID, signatureEvent{ParticipantID: p.ID, Role: string(p.Role), Name: p.Name, Title: p.Title, PartyID: party.ID,
		PartyNames: st.PartyNames, SignedAt: sig.SignedAt, Thumbprint: sig.Thumbprint, Remaining: remaining})
	resp := signatureResponse{ParticipantID: p.ID, Thumbprint: sig.Thumbprint, SignedAt: sig.SignedAt, AuditEvent: ev, Remaining: remaining}
	if remaining == 0 && p.Role == agreement.RoleSignatory {
		resp.Complete = true
		s.broadcast(a.ID, signaturesCompleteEvent{Signatures: len(a.Signatories())})
	}
	writeJSON(w, http.StatusCreated, resp)
}

// checkSignature does every check that needs no transaction: state, key, JWS, claims, time,
// attachments and presence in the ceremony.
func (s *Server) checkSignature(ctx context.Context, a *agreement.Agreement, p agreement.Participant, req signatureRequest) (signatures.Statement, agreement.SignerKey, []attachment, error) {
	var st signatures.Statement
	if a.State != agreement.StateSigning {
		return st, agreement.SignerKey{}, nil, stateConflict(a, "signatures are accepted only while signing is open")
	}
	want, err := expectedStatement(a, p)
	if err != nil {
		return st, agreement.SignerKey{}, nil, err
	}
	key, err := s.cfg.Store.SignerKey(ctx, a.ID, p.ID)
	if errors.Is(err, agreement.ErrNotFound) {
		return st, key, nil, refuse(http.StatusConflict, "no_key", "no signing key is registered for this participant")
	}
	if err != nil {
		return st, key, nil, err
	}
	if st, err = verifyJWS(req.JWS, key); err != nil {
		return st, key, nil, err
	}
	if msg := compareStatement(st, want); msg != "" {
		return st, key, nil, refuse(http.StatusUnprocessableEntity, "statement_mismatch", msg)
	}
	if err := s.checkIssuedAt(st); err != nil {
		return st, key, nil, err
	}
	files, err := attachments(a.ID, p.ID, st, req)
	if err != nil {
		return st, key, nil, err
	}
	if !s.connected(a.ID, p.ID) {
		return st, key, nil, refuse(http.StatusConflict, "not_connected", "the signer must be connected to the live ceremony")
	}
	return st, key, files, nil
}

func verifyJWS(jws string, key agreement.SignerKey) (signatures.Statement, error) {
	jwk, err := signatures.ParseJWK([]byte(key.JWK))
	if err != nil {
		return signatures.Statement{}, fmt.Errorf("stored signer key: %w", err)
	}
	st, err := signatures.Verify(jws, jwk)
	switch {
	case errors.Is(err, signatures.ErrTooLarge):
		return st, refuse(http.StatusRequestEntityTooLarge, "too_large", "jws: "+err.Error())
	case err != nil:
		return st, refuse(http.StatusUnprocessableEntity, "invalid_signature", "jws: "+err.Error())
	}
	return st, nil
}

func (s *Server) checkIssuedAt(st signatures.Statement) error {
	now, at := s.cfg.Now(), st.SignedAt()
	if at.Before(now.Add(-MaxSignatureAge)) || at.After(now.Add(MaxClockSkew)) {
		return refuse(http.StatusUnprocessableEntity, "bad_iat",
			fmt.Sprintf("iat %s is not within %s before or %s after the server's time %s", at.Format(time.RFC3339), MaxSignatureAge, MaxClockSkew, now.UTC().Format(time.RFC3339)))
	}
	return nil
}

// attachments checks the uploaded still and drawing against their limits, formats and the
// hashes in the statement.
func attachments(agreementID, pid string, st signatures.Statement, req signatureRequest) ([]attachment, error) {
	var out []attachment
	for _, f := range []struct {
		what   string
		data   []byte
		signed string
		max    int
		png    bool
	}{{"still", req.Still, st.StillSHA256, MaxStillBytes, false}, {"drawing", req.Drawing, st.DrawingSHA256, MaxDrawingBytes, true}} {
		switch {
		case len(f.data) == 0 && f.signed == "":
			continue
		case len(f.data) > f.max:
			return nil, refuse(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("%s is larger than %d bytes", f.what, f.max))
		case len(f.data) == 0:
			return nil, refuse(http.StatusUnprocessableEntity, "missing_"+f.what, "the statement names a "+f.what+" that was not uploaded")
		case sha256Hex(f.data) != f.signed:
			return nil, refuse(http.StatusUnprocessableEntity, f.what+"_mismatch", "the uploaded "+f.what+" does not match "+f.what+"_sha256 in the statement")
		}
		ext := imageType(f.data)
		if ext == "" || (f.png && ext != "png") {
			return nil, refuse(http.StatusUnprocessableEntity, "bad_"+f.what, f.what+" is not an image of an accepted type (still: JPEG or PNG; drawing: PNG)")
		}
		sum := sha256Hex(f.data)
		out = append(out, attachment{what: f.what, ext: ext, sha256: sum, data: f.data,
			key: fmt.Sprintf("agreements/%s/signatures/%s/%s-%s.%s", agreementID, pid, f.what, sum, ext)})
	}
	return out, nil
}

func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "jpg"
	}
	return ""
}

// storeAttachments writes the uploads to the working store under keys named by their hash,
// so a retried request finds the same bytes already there.
func (s *Server) storeAttachments(ctx context.Context, agreementID, pid string, files []attachment) error {
	for _, f := range files {
		ctype := map[string]string{"png": "image/png", "jpg": "image/jpeg"}[f.ext]
		_, err := s.cfg.Blobs.Put(ctx, f.key, bytes.NewReader(f.data), blob.PutOptions{ContentType: ctype, MaxSize: int64(len(f.data))})
		if err != nil && !errors.Is(err, blob.ErrExists) {
			return fmt.Errorf("store %s of %s: %w", f.what, pid, err)
		}
	}
	return nil
}

// recordSignature records the signature and its audit event in one transaction after the
// checks that need the stored state: signing open, no seal begun, the nonce, no earlier
// signature, the signing order.
func (s *Server) recordSignature(r *http.Request, agreementID string, p agreement.Participant, st signatures.Statement, key agreement.SignerKey, jws string, files []attachment) (agreement.Signature, int, string, error) {
	remaining := 0
	sig, evs, err := s.cfg.Store.AddSignature(r.Context(), agreementID, sha256Hex([]byte(st.Nonce)), func(ss agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error) {
		if err := s.admit(ss, p, st); err != nil {
			return agreement.Signature{}, nil, err
		}
		sig := agreement.Signature{ParticipantID: p.ID, Role: p.Role, JWS: jws, JWK: key.JWK, Thumbprint: key.Thumbprint, SignedAt: st.SignedAt()}
		data := map[string]any{"participant": p.ID, "role": p.Role, "party": st.PartyID, "thumbprint": key.Thumbprint,
			"signed_at": sig.SignedAt, "jws_sha256": sha256Hex([]byte(jws)), "chain_head": st.ChainHead}
		for _, f := range files {
			if f.what == "still" {
				sig.StillKey, sig.StillSHA256 = f.key, f.sha256
			} else {
				sig.DrawingKey, sig.DrawingSHA256 = f.key, f.sha256
			}
			data[f.what+"_sha256"] = f.sha256
		}
		remaining = remainingSignatories(ss.Agreement, func(id string) bool { return id == p.ID || ss.Signed(id) })
		return sig, []agreement.AuditEntry{{Type: "signature.added", Actor: "participant:" + p.ID, Data: data}}, nil
	})
	if errors.Is(err, agreement.ErrConflict) && !isAPIError(err) {
		err = refuse(http.StatusConflict, "conflict", err.Error())
	}
	if err != nil {
		return sig, 0, "", err
	}
	return sig, remaining, evs[0].Hash, nil
}

func isAPIError(err error) bool {
	var ae *apiError
	return errors.As(err, &ae)
}

// admit checks a signature against the state read in the recording transaction.
func (s *Server) admit(ss agreement.SigningState, p agreement.Participant, st signatures.Statement) error {
	a, n := ss.Agreement, ss.Nonce
	switch {
	case a.State != agreement.StateSigning:
		return stateConflict(a, "signatures are accepted only while signing is open")
	case ss.Sealing:
		return refuse(http.StatusConflict, "sealing", "the agreement is being sealed; no more signatures are accepted")
	case n == nil || n.AgreementID != a.ID || n.ParticipantID != p.ID:
		return refuse(http.StatusConflict, "nonce_unknown", "the nonce was not issued to this participant")
	case !n.UsedAt.IsZero():
		return refuse(http.StatusConflict, "nonce_used", "the nonce has already been used")
	case !s.cfg.Now().Before(n.ExpiresAt):
		return refuse(http.StatusConflict, "nonce_expired", "the nonce expired at "+n.ExpiresAt.Format(time.RFC3339))
	case st.ChainHead != n.ChainHead:
		return refuse(http.StatusUnprocessableEntity, "chain_head_mismatch", "chain_head must be the one returned with the nonce")
	case ss.NonceStale:
		return refuse(http.StatusConflict, "nonce_stale", "another signature was recorded after this nonce was issued; ask for a new nonce and sign again")
	case ss.Signed(p.ID):
		return refuse(http.StatusConflict, "already_signed", "participant "+p.ID+" has already signed")
	}
	return checkOrder(a, p, ss.Signed)
}

// checkOrder refuses a signatory of a sequential agreement while an earlier one has not signed.
func checkOrder(a *agreement.Agreement, p agreement.Participant, signed func(string) bool) error {
	if a.SigningOrder != agreement.OrderSequential || p.Role != agreement.RoleSignatory {
		return nil
	}
	for _, q := range a.Signatories() {
		if q.Order < p.Order && !signed(q.ID) {
			return refuse(http.StatusConflict, "out_of_order", fmt.Sprintf("signatory %s (order %d) must sign first", q.ID, q.Order))
		}
	}
	return nil
}
