package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// SealedRecords returns the seal records of every sealed agreement (see archive.FixityStore).
func (d *DB) SealedRecords(ctx context.Context) ([]agreement.Seal, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT agreement_id FROM seals WHERE status = ? ORDER BY agreement_id", string(agreement.SealDone))
	if err != nil {
		return nil, fmt.Errorf("sealed records: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sealed records: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]agreement.Seal, 0, len(ids))
	for _, id := range ids {
		s, err := loadSeal(ctx, d.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// RecordFixity stores a fixity run, its alerts and their audit events (see
// archive.FixityStore).
func (d *DB) RecordFixity(ctx context.Context, run *archive.FixityRun) error {
	problems, err := json.Marshal(run.Problems)
	if err != nil {
		return err
	}
	return d.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO fixity_runs(started_at, finished_at, records, objects, bytes, problems, agreement_id)
			VALUES (?,?,?,?,?,?,?)`, ts(run.StartedAt), ts(run.FinishedAt), run.Records, run.Objects, run.Bytes, string(problems),
			sql.NullString{String: run.AgreementID, Valid: run.AgreementID != ""})
		if err != nil {
			return fmt.Errorf("record fixity run: %w", err)
		}
		if run.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		for _, p := range run.Problems {
			if err := recordFixityAlert(ctx, d, tx, run.ID, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func recordFixityAlert(ctx context.Context, d *DB, tx *sql.Tx, runID int64, p archive.Problem) error {
	detail, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO fixity_alerts(run_id, agreement_id, object_key, detail) VALUES (?,?,?,?)",
		runID, p.AgreementID, p.Key, string(detail)); err != nil {
		return fmt.Errorf("record fixity alert: %w", err)
	}
	ev := agreement.AuditEntry{Type: "fixity.mismatch", Actor: "system:fixity",
		Data: map[string]any{"run": runID, "key": p.Key, "want_sha256": p.Want, "got_sha256": p.Got, "error": p.Error}}
	return d.appendEvents(ctx, tx, p.AgreementID, []agreement.AuditEntry{ev})
}

// LastFixity returns the latest fixity run that covered agreementID (a pass over the whole
// archive, or a run over this record alone) and the alerts it raised on it (none when the
// record was found intact); a zero run when none has covered it yet.
func (d *DB) LastFixity(ctx context.Context, agreementID string) (archive.FixityRun, []archive.Problem, error) {
	var run archive.FixityRun
	var started, finished string
	var scope sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT id, started_at, finished_at, records, objects, bytes, agreement_id FROM fixity_runs
		WHERE agreement_id IS NULL OR agreement_id = ? ORDER BY id DESC LIMIT 1`, agreementID).
		Scan(&run.ID, &started, &finished, &run.Records, &run.Objects, &run.Bytes, &scope)
	if err == sql.ErrNoRows {
		return run, nil, nil
	}
	if err != nil {
		return run, nil, fmt.Errorf("last fixity run: %w", err)
	}
	run.StartedAt, run.FinishedAt, run.AgreementID = parseTS(started), parseTS(finished), scope.String
	rows, err := d.db.QueryContext(ctx, "SELECT detail FROM fixity_alerts WHERE run_id = ? AND agreement_id = ? ORDER BY object_key", run.ID, agreementID)
	if err != nil {
		return run, nil, fmt.Errorf("fixity alerts: %w", err)
	}
	defer rows.Close()
	var out []archive.Problem
	for rows.Next() {
		var detail string
		var p archive.Problem
		if err := rows.Scan(&detail); err != nil {
			return run, nil, err
		}
		if err := json.Unmarshal([]byte(detail), &p); err != nil {
			return run, nil, err
		}
		out = append(out, p)
	}
	return run, out, rows.Err()
}
