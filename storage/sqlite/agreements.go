package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/signroom/signroom/agreement"
)

// NewID returns a random 128-bit identifier: 26 lowercase base32 characters, safe in URLs and
// object keys.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// CreateAgreement stores a new agreement, setting its id (when empty), timestamps and the
// draft state unless a state is given, and appends events to its audit chain in the same
// transaction.
func (d *DB) CreateAgreement(ctx context.Context, a *agreement.Agreement, events []agreement.AuditEntry) error {
	if a.ID == "" {
		a.ID = NewID()
	}
	if a.State == "" {
		a.State = agreement.StateDraft
	}
	now := d.now()
	a.CreatedAt, a.UpdatedAt = now, now
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("create agreement: %w", err)
	}
	return d.withTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO agreements(id, owner, state, body, version, created_at, updated_at)
			VALUES (?,?,?,?,1,?,?)`, a.ID, a.Owner, string(a.State), string(body), ts(now), ts(now))
		if err != nil {
			return fmt.Errorf("create agreement: %w", err)
		}
		return d.appendEvents(ctx, tx, a.ID, events)
	})
}

// Agreement returns the agreement with id, or agreement.ErrNotFound.
func (d *DB) Agreement(ctx context.Context, id string) (*agreement.Agreement, error) {
	a, err := loadAgreement(ctx, d.db, id)
	if err != nil {
		return nil, fmt.Errorf("agreement %s: %w", id, err)
	}
	return a, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func loadAgreement(ctx context.Context, q querier, id string) (*agreement.Agreement, error) {
	var body string
	err := q.QueryRowContext(ctx, "SELECT body FROM agreements WHERE id = ?", id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, agreement.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var a agreement.Agreement
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &a, nil
}

// ListAgreements returns the agreements f selects, newest first.
func (d *DB) ListAgreements(ctx context.Context, f agreement.ListFilter) ([]*agreement.Agreement, error) {
	query, args := "SELECT body FROM agreements WHERE 1=1", []any{}
	if f.Owner != "" {
		query += " AND owner = ?"
		args = append(args, f.Owner)
	}
	if len(f.States) > 0 {
		query += " AND state IN (" + strings.TrimSuffix(strings.Repeat("?,", len(f.States)), ",") + ")"
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	rows, err := d.db.QueryContext(ctx, query+" ORDER BY created_at DESC, id", args...)
	if err != nil {
		return nil, fmt.Errorf("list agreements: %w", err)
	}
	defer rows.Close()
	out := []*agreement.Agreement{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("list agreements: %w", err)
		}
		var a agreement.Agreement
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return nil, fmt.Errorf("list agreements: %w", err)
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// UpdateAgreement changes an agreement atomically. In one transaction it loads the agreement
// and its invitations, calls fn with them, and (when fn returns nil) saves the agreement,
// inserts the invitations fn issued, revokes those it revoked and appends its audit events.
// An error from fn rolls everything back and is returned unchanged. The id, owner and
// creation time cannot change. It returns the saved agreement.
func (d *DB) UpdateAgreement(ctx context.Context, id string, fn func(*agreement.Edit) error) (*agreement.Agreement, error) {
	var out *agreement.Agreement
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		a, err := d.editInTx(ctx, tx, id, fn)
		out = a
		return err
	})
	return out, err
}

// editInTx loads the agreement and its invitations inside tx, lets fn change them and saves
// the edit. The id, owner and creation time cannot change. Errors from fn are returned as they
// are.
func (d *DB) editInTx(ctx context.Context, tx *sql.Tx, id string, fn func(*agreement.Edit) error) (*agreement.Agreement, error) {
	a, err := loadAgreement(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("agreement %s: %w", id, err)
	}
	invs, err := listInvitations(ctx, tx, id)
	if err != nil {
		return nil, fmt.Errorf("agreement %s: %w", id, err)
	}
	ed := &agreement.Edit{Agreement: a, Invitations: invs}
	id0, owner, created := a.ID, a.Owner, a.CreatedAt
	if err := fn(ed); err != nil {
		return nil, err
	}
	a.ID, a.Owner, a.CreatedAt = id0, owner, created
	if err := d.saveEdit(ctx, tx, ed); err != nil {
		return nil, fmt.Errorf("update agreement %s: %w", id, err)
	}
	return a, nil
}

func (d *DB) saveEdit(ctx context.Context, tx *sql.Tx, ed *agreement.Edit) error {
	a := ed.Agreement
	a.UpdatedAt = d.now()
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE agreements SET state=?, body=?, version=version+1, updated_at=? WHERE id=?",
		string(a.State), string(body), ts(a.UpdatedAt), a.ID); err != nil {
		return err
	}
	for _, inv := range ed.Issued {
		if err := insertInvitation(ctx, tx, inv); err != nil {
			return err
		}
	}
	for _, jti := range ed.Revoked {
		if err := d.revokeInvitation(ctx, tx, a.ID, jti); err != nil {
			return err
		}
	}
	return d.appendEvents(ctx, tx, a.ID, ed.Events)
}
