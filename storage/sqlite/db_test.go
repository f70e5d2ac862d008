package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "signroom.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenMigratesOnceAndUsesWAL(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "signroom.db")
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, file)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		var n int
		if err := db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		migs, _ := loadMigrations()
		if n != len(migs) {
			t.Fatalf("schema_migrations rows = %d, want %d", n, len(migs))
		}
		var mode string
		if err := db.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "wal" {
			t.Fatalf("journal_mode = %q, want wal", mode)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		db.Close()
	}
}

// A migration merged from another branch with a number below the newest applied one is still
// applied; applied ones are not run again.
func TestMigrateAppliesLowerNumberedMissingMigration(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first := []migration{
		{version: 900, name: "900_a.sql", sql: "CREATE TABLE mig_a (x INTEGER)"},
		{version: 910, name: "910_c.sql", sql: "CREATE TABLE mig_c (x INTEGER)"},
	}
	if err := db.applyMissing(ctx, first); err != nil {
		t.Fatalf("first applyMissing: %v", err)
	}
	merged := []migration{first[0], {version: 905, name: "905_b.sql", sql: "CREATE TABLE mig_b (x INTEGER)"}, first[1]}
	if err := db.applyMissing(ctx, merged); err != nil {
		t.Fatalf("applyMissing after merge: %v", err)
	}
	var n int
	if err := db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='mig_b'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("table mig_b exists %d times, want 1: migration 905 was skipped", n)
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{900, 905, 910} {
		if !applied[v] {
			t.Errorf("schema_migrations lacks %d", v)
		}
	}
}
