package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/signroom/signroom/agreement"
)

// StageSeal records that an agreement's sealed artifacts are built and staged. From then on
// AddSignature reports SigningState.Sealing. A second seal record gives agreement.ErrConflict.
func (d *DB) StageSeal(ctx context.Context, s agreement.Seal) error {
	arts, err := json.Marshal(s.Artifacts)
	if err != nil {
		return fmt.Errorf("stage seal: %w", err)
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO seals(agreement_id, status, sealed_at, retain_until, audit_head, audit_events, artifacts, staged_at, seal_cert)
		VALUES (?,?,?,?,?,?,?,?,?)`, s.AgreementID, string(agreement.SealStaged), ts(s.SealedAt), ts(s.RetainUntil),
		s.AuditHead, s.AuditEvents, string(arts), ts(s.StagedAt), s.SealCert)
	if isUniqueViolation(err) {
		return fmt.Errorf("agreement %s already has a seal: %w", s.AgreementID, agreement.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("stage seal: %w", err)
	}
	return nil
}

// Seal returns an agreement's seal record, or agreement.ErrNotFound.
func (d *DB) Seal(ctx context.Context, agreementID string) (agreement.Seal, error) {
	return loadSeal(ctx, d.db, agreementID)
}

func loadSeal(ctx context.Context, q querier, agreementID string) (agreement.Seal, error) {
	s := agreement.Seal{AgreementID: agreementID}
	var status, sealed, retain, arts, staged, completed string
	err := q.QueryRowContext(ctx, `SELECT status, sealed_at, retain_until, audit_head, audit_events, artifacts, staged_at,
		COALESCE(completed_at,''), seal_cert FROM seals WHERE agreement_id = ?`, agreementID).
		Scan(&status, &sealed, &retain, &s.AuditHead, &s.AuditEvents, &arts, &staged, &completed, &s.SealCert)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("seal of %s: %w", agreementID, agreement.ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("seal of %s: %w", agreementID, err)
	}
	if err := json.Unmarshal([]byte(arts), &s.Artifacts); err != nil {
		return s, fmt.Errorf("seal of %s: %w", agreementID, err)
	}
	s.Status, s.SealedAt, s.RetainUntil, s.StagedAt = agreement.SealStatus(status), parseTS(sealed), parseTS(retain), parseTS(staged)
	if completed != "" {
		s.CompletedAt = parseTS(completed)
	}
	return s, nil
}

// RecordSealArtifacts replaces the artifacts of a staged seal, as archiving fills in the
// archive version of each. A seal that is not staged gives agreement.ErrConflict.
func (d *DB) RecordSealArtifacts(ctx context.Context, agreementID string, arts []agreement.Artifact) error {
	b, err := json.Marshal(arts)
	if err != nil {
		return fmt.Errorf("record seal artifacts of %s: %w", agreementID, err)
	}
	res, err := d.db.ExecContext(ctx, "UPDATE seals SET artifacts = ? WHERE agreement_id = ? AND status = ?",
		string(b), agreementID, string(agreement.SealStaged))
	if err != nil {
		return fmt.Errorf("record seal artifacts of %s: %w", agreementID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("agreement %s has no staged seal: %w", agreementID, agreement.ErrConflict)
	}
	return nil
}

// FinishSeal marks the staged seal done and, in the same transaction, changes the agreement
// as UpdateAgreement does with fn (the transition to sealed, its audit event, revoked
// invitations). No staged seal gives agreement.ErrConflict.
func (d *DB) FinishSeal(ctx context.Context, agreementID string, fn func(*agreement.Edit) error) (*agreement.Agreement, error) {
	var out *agreement.Agreement
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE seals SET status = ?, completed_at = ? WHERE agreement_id = ? AND status = ?",
			string(agreement.SealDone), ts(d.now()), agreementID, string(agreement.SealStaged))
		if err != nil {
			return fmt.Errorf("finish seal of %s: %w", agreementID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("agreement %s has no staged seal: %w", agreementID, agreement.ErrConflict)
		}
		a, err := d.editInTx(ctx, tx, agreementID, fn)
		out = a
		return err
	})
	return out, err
}
