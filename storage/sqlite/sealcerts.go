package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/signroom/signroom/agreement"
)

// UseSealCert records that the service seals with the certificate sha256 (hex SHA-256 of
// its DER, PEM given) from now on: it is added if new, un-retired if it was retired, and
// every other certificate still in use is retired at now.
func (d *DB) UseSealCert(ctx context.Context, sha256, pem string, now time.Time) error {
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO seal_certificates(sha256, pem, in_use_since) VALUES (?,?,?)
			ON CONFLICT(sha256) DO UPDATE SET retired_at = NULL`, sha256, pem, ts(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE seal_certificates SET retired_at = ? WHERE sha256 <> ? AND retired_at IS NULL`, ts(now), sha256)
		return err
	})
	if err != nil {
		return fmt.Errorf("use seal certificate %s: %w", sha256, err)
	}
	return nil
}

// SealCerts lists every seal certificate the service has used, oldest first, with the
// period and number of the completed seals made with each.
func (d *DB) SealCerts(ctx context.Context) ([]agreement.SealCert, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT c.sha256, c.pem, c.in_use_since, COALESCE(c.retired_at,''),
		COALESCE(MIN(s.sealed_at),''), COALESCE(MAX(s.sealed_at),''), COUNT(s.agreement_id)
		FROM seal_certificates c LEFT JOIN seals s ON s.seal_cert = c.sha256 AND s.status = ?
		GROUP BY c.sha256 ORDER BY c.in_use_since, c.sha256`, string(agreement.SealDone))
	if err != nil {
		return nil, fmt.Errorf("seal certificates: %w", err)
	}
	defer rows.Close()
	var out []agreement.SealCert
	for rows.Next() {
		var c agreement.SealCert
		var since, retired, first, last string
		if err := rows.Scan(&c.SHA256, &c.PEM, &since, &retired, &first, &last, &c.Seals); err != nil {
			return nil, fmt.Errorf("seal certificates: %w", err)
		}
		c.InUseSince, c.RetiredAt, c.FirstSealedAt, c.LastSealedAt = parseTS(since), parseTS(retired), parseTS(first), parseTS(last)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seal certificates: %w", err)
	}
	return out, nil
}
