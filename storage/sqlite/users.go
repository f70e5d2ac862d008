package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
)

const userColumns = "id, username, display_name, password_hash, roles, disabled, created_at, updated_at"

// CreateUser stores a new staff account and returns it with its id (when u.ID is empty) and
// timestamps set. A username already taken (case-insensitively) gives agreement.ErrConflict.
// The caller hashes the password (auth.HashPassword) and checks the roles.
func (d *DB) CreateUser(ctx context.Context, u agreement.User) (agreement.User, error) {
	if u.ID == "" {
		u.ID = NewID()
	}
	now := d.now()
	u.CreatedAt, u.UpdatedAt = now, now
	roles, err := json.Marshal(nonNil(u.Roles))
	if err != nil {
		return agreement.User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	_, err = d.db.ExecContext(ctx, "INSERT INTO users("+userColumns+") VALUES (?,?,?,?,?,?,?,?)",
		u.ID, u.Username, u.DisplayName, u.PasswordHash, string(roles), u.Disabled, ts(now), ts(now))
	if isUniqueViolation(err) {
		return agreement.User{}, fmt.Errorf("create user %s: username is taken: %w", u.Username, agreement.ErrConflict)
	}
	if err != nil {
		return agreement.User{}, fmt.Errorf("create user %s: %w", u.Username, err)
	}
	return u, nil
}

// UserByUsername returns the account named username (case-insensitive), or
// agreement.ErrNotFound.
func (d *DB) UserByUsername(ctx context.Context, username string) (agreement.User, error) {
	row := d.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE username = ?", username)
	u, err := scanUser(row)
	if err != nil {
		return agreement.User{}, fmt.Errorf("user %q: %w", username, err)
	}
	return u, nil
}

// UserByID returns the account with id, or agreement.ErrNotFound.
func (d *DB) UserByID(ctx context.Context, id string) (agreement.User, error) {
	row := d.db.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id)
	u, err := scanUser(row)
	if err != nil {
		return agreement.User{}, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

// ListUsers returns every staff account ordered by username.
func (d *DB) ListUsers(ctx context.Context) ([]agreement.User, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []agreement.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser loads the account with id, lets fn change it and saves it, in one transaction.
// The id and creation time cannot change; an error from fn is returned unchanged.
func (d *DB) UpdateUser(ctx context.Context, id string, fn func(*agreement.User) error) (agreement.User, error) {
	var u agreement.User
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = scanUser(tx.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id)); err != nil {
			return fmt.Errorf("user %s: %w", id, err)
		}
		if err := fn(&u); err != nil {
			return err
		}
		return d.saveUser(ctx, tx, id, &u)
	})
	return u, err
}

func (d *DB) saveUser(ctx context.Context, tx *sql.Tx, id string, u *agreement.User) error {
	u.ID = id
	u.UpdatedAt = d.now()
	roles, err := json.Marshal(nonNil(u.Roles))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE users SET username=?, display_name=?, password_hash=?, roles=?,
		disabled=?, updated_at=? WHERE id=?`, u.Username, u.DisplayName, u.PasswordHash, string(roles), u.Disabled, ts(u.UpdatedAt), id)
	if isUniqueViolation(err) {
		return fmt.Errorf("update user %s: username is taken: %w", id, agreement.ErrConflict)
	}
	return err
}

// SetUserDisabled disables (or enables again) the account named username. A disabled account
// cannot log in; tokens it already holds stay valid until they expire unless revoked.
func (d *DB) SetUserDisabled(ctx context.Context, username string, disabled bool) error {
	res, err := d.db.ExecContext(ctx, "UPDATE users SET disabled=?, updated_at=? WHERE username=?", disabled, ts(d.now()), username)
	if err != nil {
		return fmt.Errorf("disable user %q: %w", username, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("user %q: %w", username, agreement.ErrNotFound)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (agreement.User, error) {
	var u agreement.User
	var roles, created, updated string
	err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &u.PasswordHash, &roles, &u.Disabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return u, agreement.ErrNotFound
	}
	if err != nil {
		return u, err
	}
	if err := json.Unmarshal([]byte(roles), &u.Roles); err != nil {
		return u, fmt.Errorf("roles of user %s: %w", u.ID, err)
	}
	u.CreatedAt, u.UpdatedAt = parseTS(created), parseTS(updated)
	return u, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// tsLayout is RFC 3339 in UTC with exactly nine fraction digits, so that stored times sort
// and compare correctly as text in SQL (RFC3339Nano drops trailing zeros and would not).
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
