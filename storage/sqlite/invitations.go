package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/signroom/signroom/agreement"
)

const invitationColumns = "jti, agreement_id, participant_id, role, issued_at, expires_at, COALESCE(revoked_at, '')"

// Invitations returns every invitation issued for an agreement, oldest first.
func (d *DB) Invitations(ctx context.Context, agreementID string) ([]agreement.Invitation, error) {
	invs, err := listInvitations(ctx, d.db, agreementID)
	if err != nil {
		return nil, fmt.Errorf("invitations of %s: %w", agreementID, err)
	}
	return invs, nil
}

// Invitation returns the invitation with token id jti, or agreement.ErrNotFound.
func (d *DB) Invitation(ctx context.Context, jti string) (agreement.Invitation, error) {
	row := d.db.QueryRowContext(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE jti = ?", jti)
	inv, err := scanInvitation(row)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, fmt.Errorf("invitation: %w", agreement.ErrNotFound)
	}
	if err != nil {
		return inv, fmt.Errorf("invitation: %w", err)
	}
	return inv, nil
}

func listInvitations(ctx context.Context, q querier, agreementID string) ([]agreement.Invitation, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+invitationColumns+
		" FROM invitations WHERE agreement_id = ? ORDER BY issued_at, jti", agreementID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []agreement.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

func scanInvitation(s scanner) (agreement.Invitation, error) {
	var inv agreement.Invitation
	var role, issued, expires, revoked string
	if err := s.Scan(&inv.JTI, &inv.AgreementID, &inv.ParticipantID, &role, &issued, &expires, &revoked); err != nil {
		return inv, err
	}
	inv.Role = agreement.Role(role)
	inv.IssuedAt, inv.ExpiresAt = parseTS(issued), parseTS(expires)
	if revoked != "" {
		inv.RevokedAt = parseTS(revoked)
	}
	return inv, nil
}

func insertInvitation(ctx context.Context, tx *sql.Tx, inv agreement.Invitation) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO invitations(jti, agreement_id, participant_id, role, issued_at, expires_at)
		VALUES (?,?,?,?,?,?)`, inv.JTI, inv.AgreementID, inv.ParticipantID, string(inv.Role), ts(inv.IssuedAt), ts(inv.ExpiresAt))
	return err
}

// revokeInvitation marks an invitation of agreementID revoked and records its jti as a
// revoked token.
func (d *DB) revokeInvitation(ctx context.Context, tx *sql.Tx, agreementID, jti string) error {
	now := ts(d.now())
	var expires string
	err := tx.QueryRowContext(ctx, "SELECT expires_at FROM invitations WHERE jti = ? AND agreement_id = ?", jti, agreementID).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("revoke invitation: %w", agreement.ErrNotFound)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE invitations SET revoked_at = COALESCE(revoked_at, ?) WHERE jti = ?", now, jti); err != nil {
		return err
	}
	return insertRevoked(ctx, tx, jti, expires, now)
}

func insertRevoked(ctx context.Context, tx *sql.Tx, jti, expires, now string) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO revoked_tokens(jti, expires_at, revoked_at) VALUES (?,?,?) ON CONFLICT(jti) DO NOTHING",
		jti, expires, now)
	return err
}

// RevokeToken records a token id (a staff access token on logout, say) as revoked until
// expiresAt, after which the record may be pruned.
func (d *DB) RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error {
	return d.withTx(ctx, func(tx *sql.Tx) error {
		if err := insertRevoked(ctx, tx, jti, ts(expiresAt), ts(d.now())); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return nil
	})
}

// IsRevoked reports whether the token id jti has been revoked. It implements
// auth.Revocations.
func (d *DB) IsRevoked(ctx context.Context, jti string) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM revoked_tokens WHERE jti = ?", jti).Scan(&n); err != nil {
		return false, fmt.Errorf("revocation check: %w", err)
	}
	return n > 0, nil
}

// PruneRevoked forgets revoked token ids whose tokens expired before now; it returns how
// many it removed.
func (d *DB) PruneRevoked(ctx context.Context, now time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, "DELETE FROM revoked_tokens WHERE expires_at < ?", ts(now))
	if err != nil {
		return 0, fmt.Errorf("prune revoked tokens: %w", err)
	}
	return res.RowsAffected()
}
