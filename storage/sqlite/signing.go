package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
)

// SignerKey returns the participant's bound (not reset) key, or agreement.ErrNotFound.
func (d *DB) SignerKey(ctx context.Context, agreementID, participantID string) (agreement.SignerKey, error) {
	k := agreement.SignerKey{AgreementID: agreementID, ParticipantID: participantID}
	var reg string
	err := d.db.QueryRowContext(ctx, `SELECT thumbprint, jwk, registered_at FROM signer_keys
		WHERE agreement_id = ? AND participant_id = ? AND reset_at IS NULL`, agreementID, participantID).
		Scan(&k.Thumbprint, &k.JWK, &reg)
	if errors.Is(err, sql.ErrNoRows) {
		return k, fmt.Errorf("signer key of %s: %w", participantID, agreement.ErrNotFound)
	}
	if err != nil {
		return k, fmt.Errorf("signer key of %s: %w", participantID, err)
	}
	k.RegisteredAt = parseTS(reg)
	return k, nil
}

// RegisterSignerKey binds k to its participant after check accepts the agreement as read in
// the same transaction, and appends ev. A participant with a bound key gives
// agreement.ErrConflict. RegisteredAt is set by the store.
func (d *DB) RegisterSignerKey(ctx context.Context, k *agreement.SignerKey, check func(*agreement.Agreement) error, ev agreement.AuditEntry) error {
	return d.withTx(ctx, func(tx *sql.Tx) error {
		a, err := loadAgreement(ctx, tx, k.AgreementID)
		if err != nil {
			return fmt.Errorf("agreement %s: %w", k.AgreementID, err)
		}
		if err := check(a); err != nil {
			return err
		}
		k.RegisteredAt = d.now()
		_, err = tx.ExecContext(ctx, `INSERT INTO signer_keys(agreement_id, participant_id, thumbprint, jwk, registered_at)
			VALUES (?,?,?,?,?)`, k.AgreementID, k.ParticipantID, k.Thumbprint, k.JWK, ts(k.RegisteredAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("participant %s already has a signing key: %w", k.ParticipantID, agreement.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("register signer key: %w", err)
		}
		return d.appendEvents(ctx, tx, k.AgreementID, []agreement.AuditEntry{ev})
	})
}

// ResetSignerKey unbinds the participant's key after check accepts the agreement, and
// appends the event ev returns for the key that was reset. No bound key gives
// agreement.ErrNotFound.
func (d *DB) ResetSignerKey(ctx context.Context, agreementID, participantID string, check func(*agreement.Agreement) error, ev func(agreement.SignerKey) agreement.AuditEntry) error {
	return d.withTx(ctx, func(tx *sql.Tx) error {
		a, err := loadAgreement(ctx, tx, agreementID)
		if err != nil {
			return fmt.Errorf("agreement %s: %w", agreementID, err)
		}
		if err := check(a); err != nil {
			return err
		}
		k := agreement.SignerKey{AgreementID: agreementID, ParticipantID: participantID, ResetAt: d.now()}
		err = tx.QueryRowContext(ctx, `UPDATE signer_keys SET reset_at = ?
			WHERE agreement_id = ? AND participant_id = ? AND reset_at IS NULL RETURNING thumbprint`,
			ts(k.ResetAt), agreementID, participantID).Scan(&k.Thumbprint)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("participant %s has no signing key: %w", participantID, agreement.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("reset signer key: %w", err)
		}
		return d.appendEvents(ctx, tx, agreementID, []agreement.AuditEntry{ev(k)})
	})
}

// IssueNonce stores a new signing nonce.
func (d *DB) IssueNonce(ctx context.Context, n agreement.Nonce) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO signing_nonces(hash, agreement_id, participant_id, chain_head, issued_at, expires_at)
		VALUES (?,?,?,?,?,?)`, n.Hash, n.AgreementID, n.ParticipantID, n.ChainHead, ts(n.IssuedAt), ts(n.ExpiresAt))
	if err != nil {
		return fmt.Errorf("issue nonce: %w", err)
	}
	return nil
}

// PruneNonces deletes signing nonces that expired before cutoff, used or not: an expired
// nonce is refused whether or not its row remains. It returns how many it removed.
func (d *DB) PruneNonces(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, "DELETE FROM signing_nonces WHERE expires_at < ?", ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune nonces: %w", err)
	}
	return res.RowsAffected()
}

// AuditHead returns the hash of the agreement's last audit event (signatures.GenesisPrev
// for none).
func (d *DB) AuditHead(ctx context.Context, agreementID string) (string, error) {
	var h string
	err := d.db.QueryRowContext(ctx, "SELECT hash FROM audit_events WHERE agreement_id = ? ORDER BY seq DESC LIMIT 1", agreementID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return signatures.GenesisPrev, nil
	}
	if err != nil {
		return "", fmt.Errorf("audit head of %s: %w", agreementID, err)
	}
	return h, nil
}

// AddSignature records a signature in one transaction: it reads the agreement, its
// signatures, the nonce with hash nonceHash and whether sealing began, asks fn for the
// signature and audit events (an error from fn changes nothing and is returned unchanged),
// consumes the nonce (agreement.ErrConflict if it is already used) and inserts the signature
// (agreement.ErrConflict if the participant signed) and the events.
func (d *DB) AddSignature(ctx context.Context, agreementID, nonceHash string, fn func(agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error)) (agreement.Signature, []signatures.Event, error) {
	var sig agreement.Signature
	var evs []signatures.Event
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		st, err := d.signingState(ctx, tx, agreementID, nonceHash)
		if err != nil {
			return err
		}
		s, entries, err := fn(st)
		if err != nil {
			return err
		}
		s.AgreementID, s.RecordedAt = agreementID, d.now()
		if err := consumeNonce(ctx, tx, nonceHash, ts(s.RecordedAt)); err != nil {
			return err
		}
		if err := insertSignature(ctx, tx, s); err != nil {
			return err
		}
		sig = s
		evs, err = d.appendChain(ctx, tx, agreementID, entries)
		return err
	})
	return sig, evs, err
}

func (d *DB) signingState(ctx context.Context, tx *sql.Tx, agreementID, nonceHash string) (agreement.SigningState, error) {
	var st agreement.SigningState
	a, err := loadAgreement(ctx, tx, agreementID)
	if err != nil {
		return st, fmt.Errorf("agreement %s: %w", agreementID, err)
	}
	st.Agreement = a
	if st.Signatures, err = listSignatures(ctx, tx, agreementID); err != nil {
		return st, err
	}
	if st.Nonce, err = loadNonce(ctx, tx, nonceHash); err != nil {
		return st, err
	}
	if st.Nonce != nil {
		// The head's position in the chain (-1 for the empty chain or a head not in it), against the
		// newest signature event's.
		err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM audit_events WHERE agreement_id = ?1 AND type = 'signature.added'
			AND seq > COALESCE((SELECT seq FROM audit_events WHERE agreement_id = ?1 AND hash = ?2), -1))`,
			agreementID, st.Nonce.ChainHead).Scan(&st.NonceStale)
		if err != nil {
			return st, fmt.Errorf("nonce of %s: %w", agreementID, err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM seals WHERE agreement_id = ?", agreementID).Scan(&n); err != nil {
		return st, fmt.Errorf("seal of %s: %w", agreementID, err)
	}
	st.Sealing = n > 0
	return st, nil
}

func loadNonce(ctx context.Context, q querier, hash string) (*agreement.Nonce, error) {
	n := agreement.Nonce{Hash: hash}
	var issued, expires, used string
	err := q.QueryRowContext(ctx, `SELECT agreement_id, participant_id, chain_head, issued_at, expires_at, COALESCE(used_at,'')
		FROM signing_nonces WHERE hash = ?`, hash).Scan(&n.AgreementID, &n.ParticipantID, &n.ChainHead, &issued, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	n.IssuedAt, n.ExpiresAt = parseTS(issued), parseTS(expires)
	if used != "" {
		n.UsedAt = parseTS(used)
	}
	return &n, nil
}

func consumeNonce(ctx context.Context, tx *sql.Tx, hash, at string) error {
	res, err := tx.ExecContext(ctx, "UPDATE signing_nonces SET used_at = ? WHERE hash = ? AND used_at IS NULL", at, hash)
	if err != nil {
		return fmt.Errorf("consume nonce: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("nonce is unknown or already used: %w", agreement.ErrConflict)
	}
	return nil
}

const signatureColumns = `agreement_id, participant_id, role, jws, jwk, thumbprint, signed_at, recorded_at,
	still_key, still_sha256, drawing_key, drawing_sha256`

func insertSignature(ctx context.Context, tx *sql.Tx, s agreement.Signature) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO signatures("+signatureColumns+") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		s.AgreementID, s.ParticipantID, string(s.Role), s.JWS, s.JWK, s.Thumbprint, ts(s.SignedAt), ts(s.RecordedAt),
		s.StillKey, s.StillSHA256, s.DrawingKey, s.DrawingSHA256)
	if isUniqueViolation(err) {
		return fmt.Errorf("participant %s has already signed: %w", s.ParticipantID, agreement.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("insert signature: %w", err)
	}
	return nil
}

// Signatures returns an agreement's signatures in the order they were recorded.
func (d *DB) Signatures(ctx context.Context, agreementID string) ([]agreement.Signature, error) {
	return listSignatures(ctx, d.db, agreementID)
}

func listSignatures(ctx context.Context, q querier, agreementID string) ([]agreement.Signature, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+signatureColumns+" FROM signatures WHERE agreement_id = ? ORDER BY rowid", agreementID)
	if err != nil {
		return nil, fmt.Errorf("signatures of %s: %w", agreementID, err)
	}
	defer rows.Close()
	var out []agreement.Signature
	for rows.Next() {
		var s agreement.Signature
		var role, signed, recorded string
		if err := rows.Scan(&s.AgreementID, &s.ParticipantID, &role, &s.JWS, &s.JWK, &s.Thumbprint, &signed, &recorded,
			&s.StillKey, &s.StillSHA256, &s.DrawingKey, &s.DrawingSHA256); err != nil {
			return nil, fmt.Errorf("signatures of %s: %w", agreementID, err)
		}
		s.Role, s.SignedAt, s.RecordedAt = agreement.Role(role), parseTS(signed), parseTS(recorded)
		out = append(out, s)
	}
	return out, rows.Err()
}
