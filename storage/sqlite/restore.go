package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// RestoreUser is the id of the disabled account that owns records restored by reindex.
const RestoreUser = "restored-from-archive"

// RestoreRecord stores a sealed agreement rebuilt from the archive with its seal record, its
// audit chain as sealed, its signatures and its recordings' catalog, in one transaction,
// unless the agreement exists (then false). See archive.ReindexStore.
func (d *DB) RestoreRecord(ctx context.Context, a *agreement.Agreement, s agreement.Seal, r archive.Restored) (bool, error) {
	body, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	arts, err := json.Marshal(s.Artifacts)
	if err != nil {
		return false, err
	}
	restored := false
	err = d.withTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM agreements WHERE id = ?", a.ID).Scan(&n); err != nil || n > 0 {
			return err
		}
		now := ts(d.now())
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO users(id, username, display_name, password_hash, roles, disabled, created_at, updated_at)
			VALUES (?, ?, 'Restored from the archive', '!', '[]', 1, ?, ?)`, RestoreUser, RestoreUser, now, now); err != nil {
			return err
		}
		a.Owner = RestoreUser
		if _, err := tx.ExecContext(ctx, `INSERT INTO agreements(id, owner, state, body, version, created_at, updated_at)
			VALUES (?,?,?,?,1,?,?)`, a.ID, RestoreUser, string(a.State), string(body), ts(a.CreatedAt), ts(a.UpdatedAt)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO seals(agreement_id, status, sealed_at, retain_until, audit_head, audit_events, artifacts, staged_at, completed_at, seal_cert)
			VALUES (?,?,?,?,?,?,?,?,?,'')`, a.ID, string(agreement.SealDone), ts(s.SealedAt), ts(s.RetainUntil), s.AuditHead, s.AuditEvents, string(arts),
			ts(s.StagedAt), ts(s.CompletedAt)); err != nil {
			return err
		}
		if err := restoreParts(ctx, tx, r); err != nil {
			return err
		}
		restored = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("restore record %s: %w", a.ID, err)
	}
	return restored, nil
}

// restoreParts inserts a restored record's audit events as they were sealed (their hashes
// chain), its signatures and its recordings.
func restoreParts(ctx context.Context, tx *sql.Tx, r archive.Restored) error {
	for _, ev := range r.Audit {
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_events("+eventColumns+") VALUES (?,?,?,?,?,?,?,?)",
			ev.AgreementID, ev.Seq, ts(ev.At), ev.Actor, ev.Type, string(ev.Data), ev.Prev, ev.Hash); err != nil {
			return fmt.Errorf("audit event %d: %w", ev.Seq, err)
		}
	}
	for _, s := range r.Signatures {
		if err := insertSignature(ctx, tx, s); err != nil {
			return err
		}
	}
	for _, rec := range r.Recordings {
		body, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO recordings(id, agreement_id, state, body, updated_at) VALUES (?,?,?,?,?)",
			rec.ID, rec.AgreementID, string(rec.State), string(body), ts(rec.UpdatedAt)); err != nil {
			return fmt.Errorf("recording %s: %w", rec.ID, err)
		}
	}
	return nil
}
