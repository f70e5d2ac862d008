package blob_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

var testSecret = bytes.Repeat([]byte("s"), 32)

// newLocal opens a Local store in a fresh directory, serving presigned URLs
// from an httptest server.
func newLocal(t *testing.T, dir string) *blob.Local {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	l, err := blob.NewLocal(dir, testSecret, "http://"+srv.Listener.Addr().String(), nil)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	srv.Config.Handler = l.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return l
}

func TestLocalContract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blobtest.Fixture {
		dir := t.TempDir()
		l := newLocal(t, dir)
		return blobtest.Fixture{
			Buckets:    l.Buckets(),
			CheckClean: func(t *testing.T) { wantEmptyTmp(t, dir) },
		}
	}, blobtest.Options{PartSize: 1 << 20})
}

func wantEmptyTmp(t *testing.T, dir string) {
	t.Helper()
	for _, b := range []string{blob.LocalWorking, blob.LocalArchive} {
		entries, err := os.ReadDir(filepath.Join(dir, b, "tmp"))
		if err != nil || len(entries) != 0 {
			t.Errorf("%s/tmp holds %d entries (%v), want none", b, len(entries), err)
		}
	}
}

// TestLocalCrashLeftovers simulates a process killed at each step of Put and
// checks that a restart shows no partial object and frees the key.
func TestLocalCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	newLocal(t, dir)
	write := func(rel, data string) {
		p := filepath.Join(dir, blob.LocalArchive, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("tmp/data-123", "half written")              // killed while streaming
	write("meta/k/claimed", `{"size":3,"sha256":"x"}`) // killed after claiming the key
	write("objects/k/unclaimed", "abc")                // data without sidecar
	l := newLocal(t, dir)
	st := l.Buckets().Archive
	for _, key := range []string{"k/claimed", "k/unclaimed"} {
		if _, err := st.Stat(t.Context(), key); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(%q) after restart: %v, want ErrNotFound", key, err)
		}
		if _, err := st.Put(t.Context(), key, bytes.NewReader([]byte("new")), blob.PutOptions{}); err != nil {
			t.Errorf("Put(%q) after restart: %v, want the key free", key, err)
		}
	}
	wantEmptyTmp(t, dir)
}

func TestNewLocalRejectsShortSecret(t *testing.T) {
	if _, err := blob.NewLocal(t.TempDir(), []byte("short"), "http://x", nil); err == nil {
		t.Error("NewLocal with a 5-byte secret succeeded, want error")
	}
}
