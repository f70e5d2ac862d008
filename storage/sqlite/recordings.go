package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/signroom/signroom/agreement"
)

// SaveRecording inserts or replaces the recorded segment r.ID (recording.Catalog).
func (d *DB) SaveRecording(ctx context.Context, r agreement.Recording) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save recording %s: %w", r.ID, err)
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO recordings(id, agreement_id, state, body, updated_at) VALUES (?,?,?,?,?)
		ON CONFLICT(id) DO UPDATE SET state = excluded.state, body = excluded.body, updated_at = excluded.updated_at`,
		r.ID, r.AgreementID, string(r.State), string(body), ts(r.UpdatedAt))
	if err != nil {
		return fmt.Errorf("save recording %s: %w", r.ID, err)
	}
	return nil
}

// Recordings lists an agreement's recorded segments in the order they started.
func (d *DB) Recordings(ctx context.Context, agreementID string) ([]agreement.Recording, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT body FROM recordings WHERE agreement_id = ? ORDER BY id", agreementID)
	if err != nil {
		return nil, fmt.Errorf("recordings of %s: %w", agreementID, err)
	}
	defer rows.Close()
	var out []agreement.Recording
	for rows.Next() {
		var body string
		var r agreement.Recording
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("recordings of %s: %w", agreementID, err)
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return nil, fmt.Errorf("recordings of %s: %w", agreementID, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recordings of %s: %w", agreementID, err)
	}
	return out, nil
}
