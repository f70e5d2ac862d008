package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
)

const eventColumns = "agreement_id, seq, at, actor, type, data, prev, hash"

// AppendAudit appends one event to an agreement's audit chain (a join, a leave, a download)
// and returns it as stored.
func (d *DB) AppendAudit(ctx context.Context, agreementID string, e agreement.AuditEntry) (signatures.Event, error) {
	var out signatures.Event
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		evs, err := d.appendChain(ctx, tx, agreementID, []agreement.AuditEntry{e})
		if err != nil {
			return err
		}
		out = evs[0]
		return nil
	})
	return out, err
}

// AuditEvents returns an agreement's audit chain in order; verify it with
// signatures.VerifyChain.
func (d *DB) AuditEvents(ctx context.Context, agreementID string) ([]signatures.Event, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT "+eventColumns+" FROM audit_events WHERE agreement_id = ? ORDER BY seq", agreementID)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", agreementID, err)
	}
	defer rows.Close()
	out := []signatures.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("audit of %s: %w", agreementID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEvent(s scanner) (signatures.Event, error) {
	var e signatures.Event
	var at, data string
	if err := s.Scan(&e.AgreementID, &e.Seq, &at, &e.Actor, &e.Type, &data, &e.Prev, &e.Hash); err != nil {
		return e, err
	}
	e.At = parseTS(at)
	e.Data = []byte(data)
	return e, nil
}

func (d *DB) appendEvents(ctx context.Context, tx *sql.Tx, agreementID string, entries []agreement.AuditEntry) error {
	_, err := d.appendChain(ctx, tx, agreementID, entries)
	return err
}

// appendChain links entries to the chain's current head with signatures.NextEvent and
// inserts them.
func (d *DB) appendChain(ctx context.Context, tx *sql.Tx, agreementID string, entries []agreement.AuditEntry) ([]signatures.Event, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	prev, err := lastEvent(ctx, tx, agreementID)
	if err != nil {
		return nil, fmt.Errorf("audit head of %s: %w", agreementID, err)
	}
	out := make([]signatures.Event, 0, len(entries))
	for _, en := range entries {
		ev, err := signatures.NextEvent(prev, agreementID, en.Type, en.Actor, d.now(), en.Data)
		if err != nil {
			return nil, fmt.Errorf("audit event %s: %w", en.Type, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_events("+eventColumns+") VALUES (?,?,?,?,?,?,?,?)",
			ev.AgreementID, ev.Seq, ts(ev.At), ev.Actor, ev.Type, string(ev.Data), ev.Prev, ev.Hash); err != nil {
			return nil, fmt.Errorf("audit event %s: %w", en.Type, err)
		}
		out = append(out, ev)
		prev = &out[len(out)-1]
	}
	return out, nil
}

func lastEvent(ctx context.Context, tx *sql.Tx, agreementID string) (*signatures.Event, error) {
	row := tx.QueryRowContext(ctx, "SELECT "+eventColumns+" FROM audit_events WHERE agreement_id = ? ORDER BY seq DESC LIMIT 1", agreementID)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}
