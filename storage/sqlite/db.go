// Package sqlite is Signroom's embedded metadata store: SQLite on disk through
// modernc.org/sqlite (pure Go, no cgo), in WAL mode, with numbered SQL migrations embedded in
// the binary and applied at open. The database is an index: the archive bucket is the source of
// truth for sealed records.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is the metadata store.
type DB struct {
	db  *sql.DB
	now func() time.Time
}

// Open opens (creating if needed) the database file at path and applies pending migrations.
func Open(ctx context.Context, file string) (*DB, error) {
	if err := ownerOnly(file); err != nil {
		return nil, err
	}
	dsn := "file:" + file + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	db.SetMaxOpenConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", file, err)
	}
	d := &DB{db: db, now: func() time.Time { return time.Now().UTC() }}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// ownerOnly creates the database file readable by its owner only (SQLite gives its -wal and
// -shm files the same mode), and takes group and other access from an existing database and
// its journal files: they hold password hashes and every agreement.
func ownerOnly(file string) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open database %s: %w", file, err)
	}
	f.Close()
	for _, p := range []string{file, file + "-wal", file + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && st.Mode().Perm()&0o077 != 0 {
			err = os.Chmod(p, st.Mode().Perm()&0o700)
		}
		if err != nil {
			return fmt.Errorf("restrict database file %s to its owner: %w", p, err)
		}
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Ping reports whether the database answers a query.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	if err := d.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", e.Name())
		}
		body, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies every migration the database has not recorded, in number order, each in
// its own transaction together with its version record. Numbers need not be contiguous, and a
// migration numbered below one already applied (work merged from several branches) is still
// applied.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	migs, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return d.applyMissing(ctx, migs)
}

// applyMissing applies the migrations of migs that schema_migrations does not record.
func (d *DB) applyMissing(ctx context.Context, migs []migration) error {
	applied, err := d.appliedMigrations(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range migs {
		if applied[m.version] {
			continue
		}
		if err := d.apply(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// appliedMigrations returns the versions schema_migrations records.
func (d *DB) appliedMigrations(ctx context.Context) (map[int]bool, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

func (d *DB) apply(ctx context.Context, m migration) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)",
		m.version, m.name, d.now().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	return nil
}

// withTx runs fn in a transaction, committing when it returns nil.
func (d *DB) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
