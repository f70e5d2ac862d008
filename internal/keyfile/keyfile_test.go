package keyfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestWriteNewRefusesAnExistingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k")
	if err := WriteNew(p, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(p, []byte("second"), 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Fatalf("file holds %q after a refused write", b)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
}

func TestSecretIsMadeOnceAndKept(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret.key")
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			b, err := Secret(p, 32)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		})
	}
	wg.Wait()
	for i, b := range got {
		if len(b) != 32 || !bytes.Equal(b, got[0]) {
			t.Fatalf("start %d got a different secret (%d bytes): concurrent starts must share one", i, len(b))
		}
	}
	if again, err := Secret(p, 32); err != nil || !bytes.Equal(again, got[0]) {
		t.Fatalf("a later start reads another secret: %v", err)
	}
}

func TestSecretCutShortIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secret.key")
	os.WriteFile(p, []byte("short"), 0o600)
	if _, err := Secret(p, 32); err == nil {
		t.Fatal("a 5-byte secret was accepted")
	}
	if b, _ := os.ReadFile(p); string(b) != "short" {
		t.Fatal("the short secret was replaced")
	}
}
