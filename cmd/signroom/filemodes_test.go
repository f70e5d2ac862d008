package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestDataIsOwnerOnly is issue 8 item 13: a data directory created 0755 beforehand (and a
// database left 0644 by an older version) are restricted to their owner at start; the
// database and its journal are 0600.
func TestDataIsOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // whatever the umask
	old := filepath.Join(dir, "signroom.db")
	if err := os.WriteFile(old, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(old, 0o644)
	cfg, err := parseServeConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", dir}, envMap(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, io.Discard), loopbackMedia: true}
	if err := m.Open(t.Context()); err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer m.Close()
	want := map[string]os.FileMode{dir: 0o700, old: 0o600, old + "-wal": 0o600}
	for p, mode := range want {
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := st.Mode().Perm(); got&0o077 != 0 || got != mode {
			t.Errorf("%s has mode %04o, want %04o", filepath.Base(p), got, mode)
		}
	}
}
