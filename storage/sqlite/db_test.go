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
