package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// PlaceHold records a legal hold on a record with its audit event (see archive.HoldStore);
// a record already held gives agreement.ErrConflict.
func (d *DB) PlaceHold(ctx context.Context, h archive.LegalHold, ev agreement.AuditEntry) error {
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO legal_holds(agreement_id, placed_at, placed_by, reason) VALUES (?,?,?,?)",
			h.AgreementID, ts(h.PlacedAt), h.PlacedBy, h.Reason)
		if isUniqueViolation(err) {
			return fmt.Errorf("already on hold: %w", agreement.ErrConflict)
		}
		if err != nil {
			return err
		}
		return d.appendEvents(ctx, tx, h.AgreementID, []agreement.AuditEntry{ev})
	})
	if err != nil {
		return fmt.Errorf("place legal hold on %s: %w", h.AgreementID, err)
	}
	return nil
}

// LiftHold removes a record's legal hold with its audit event; agreement.ErrNotFound when
// it has none.
func (d *DB) LiftHold(ctx context.Context, agreementID string, ev agreement.AuditEntry) error {
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM legal_holds WHERE agreement_id = ?", agreementID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("no legal hold: %w", agreement.ErrNotFound)
		}
		return d.appendEvents(ctx, tx, agreementID, []agreement.AuditEntry{ev})
	})
	if err != nil {
		return fmt.Errorf("lift legal hold on %s: %w", agreementID, err)
	}
	return nil
}

// Hold returns a record's legal hold, or agreement.ErrNotFound.
func (d *DB) Hold(ctx context.Context, agreementID string) (archive.LegalHold, error) {
	h := archive.LegalHold{AgreementID: agreementID}
	var at string
	err := d.db.QueryRowContext(ctx, "SELECT placed_at, placed_by, reason FROM legal_holds WHERE agreement_id = ?",
		agreementID).Scan(&at, &h.PlacedBy, &h.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("legal hold on %s: %w", agreementID, agreement.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("legal hold on %s: %w", agreementID, err)
	}
	h.PlacedAt = parseTS(at)
	return h, nil
}
