package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/signroom/signroom/agreement"
)

// RestoreUser is the id of the disabled account that owns records restored by reindex.
const RestoreUser = "restored-from-archive"

// RestoreRecord stores a sealed agreement rebuilt from the archive with its seal record, in
// one transaction, unless the agreement exists (then false). See archive.ReindexStore.
func (d *DB) RestoreRecord(ctx context.Context, a *agreement.Agreement, s agreement.Seal) (bool, error) {
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
			VALUES (?,?,?,?,'',0,?,?,?,'')`, a.ID, string(agreement.SealDone), ts(s.SealedAt), ts(s.RetainUntil), string(arts),
			ts(s.StagedAt), ts(s.CompletedAt)); err != nil {
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
