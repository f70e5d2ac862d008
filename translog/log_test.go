package translog

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/tessera/client"

	"github.com/signroom/signroom/evidence"
)

func openTestLog(t *testing.T, dir string, key Key) *Log {
	t.Helper()
	l, err := Open(context.Background(), Config{Dir: dir, Key: key, CheckpointInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(context.Background()) })
	return l
}

func testKey(t *testing.T, dir string) Key {
	t.Helper()
	k, err := LoadOrCreateKey(dir, "sign.example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func entry(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// TestAppendProvesInclusion: each appended manifest hash comes back with a tlog-proof that
// verifies against a checkpoint signed by the log key; a reopened log (after a restart)
// goes on from where it was.
func TestAppendProvesInclusion(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t, filepath.Join(dir, "seal"))
	verifier, err := evidence.ParseLogKey(key.Public)
	if err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, filepath.Join(dir, "log"), key)
	for i, name := range []string{"a", "b", "c"} {
		if i == 2 { // restart before the third
			if err := l.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			l = openTestLog(t, filepath.Join(dir, "log"), testKey(t, filepath.Join(dir, "seal")))
		}
		raw, err := l.Append(context.Background(), entry(name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := evidence.ParseLogProof(raw)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := evidence.OpenCheckpoint(p.Checkpoint, verifier)
		if err != nil || p.Index != uint64(i) || cp.Size < uint64(i+1) {
			t.Fatalf("entry %s: index %d, checkpoint %+v, err %v", name, p.Index, cp, err)
		}
		if err := p.VerifyInclusion(entry(name), cp); err != nil {
			t.Errorf("entry %s: %v", name, err)
		}
		if err := p.VerifyInclusion(entry(name+"'"), cp); err == nil {
			t.Errorf("the proof of %s also proves another entry", name)
		}
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	k1 := testKey(t, dir)
	k2, err := LoadOrCreateKey(dir, "another.origin/log")
	if err != nil || k2.Public != k1.Public || k2.Origin() != "sign.example.org/log" {
		t.Fatalf("reload: %v, %q, origin %q", err, k2.Public, k2.Origin())
	}
	if got := OriginFor("https://sign.example.org/"); got != "sign.example.org/log" {
		t.Errorf("OriginFor = %q", got)
	}
}

// TestHandlerServesTilesOnly: the checkpoint and tiles are served; the key, Tessera's state
// and anything else are not.
func TestHandlerServesTilesOnly(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t, dir)
	l := openTestLog(t, dir, key) // the key beside the log, to prove it is not served
	if _, err := l.Append(context.Background(), entry("a")); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l.Handler(PublicPath))
	defer srv.Close()
	get := func(p string) (int, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/log/checkpoint"); code != 200 || !strings.HasPrefix(body, "sign.example.org/log\n1\n") {
		t.Errorf("checkpoint: %d %q", code, body)
	}
	if code, _ := get("/log/tile/0/000.p/1"); code != 200 {
		t.Errorf("partial tile: %d", code)
	}
	if code, _ := get("/log/tile/entries/000.p/1"); code != 200 {
		t.Errorf("partial entry bundle: %d", code)
	}
	for _, p := range []string{"/log/" + KeyFile, "/log/.state/treeState", "/log/tile/0/../../" + KeyFile, "/log/", "/log/tile/0/000"} {
		if code, body := get(p); code != 404 || strings.Contains(body, "PRIVATE") {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
}

// TestConsistentDetectsFork: checkpoints of a growing log are consistent (proven from the
// served tiles); a second log with the same key and different entries yields a checkpoint
// of the same size with another root: a fork; an older checkpoint after a newer one too.
func TestConsistentDetectsFork(t *testing.T) {
	dir := t.TempDir()
	key := testKey(t, filepath.Join(dir, "seal"))
	verifier, _ := evidence.ParseLogKey(key.Public)
	honest := openTestLog(t, filepath.Join(dir, "honest"), key)
	forked := openTestLog(t, filepath.Join(dir, "forked"), key)
	ctx := context.Background()
	checkpoint := func(l *Log, entries ...string) []byte {
		for _, e := range entries {
			if _, err := l.Append(ctx, entry(e)); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	cp2 := checkpoint(honest, "a", "b")
	cp5 := checkpoint(honest, "c", "d", "e")
	fork2 := checkpoint(forked, "a", "B")
	srv := httptest.NewServer(honest.Handler(PublicPath))
	defer srv.Close()
	u, _ := url.Parse(srv.URL + PublicPath)
	f, err := client.NewHTTPFetcher(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := Consistent(ctx, verifier, cp2, cp5, f.ReadTile); err != nil || c.Old.Size != 2 || c.New.Size != 5 {
		t.Fatalf("honest growth 2 -> 5: %+v, %v", c, err)
	}
	tests := map[string][2][]byte{"same size, other root": {cp2, fork2}, "shrunk": {cp5, cp2}, "forked history": {fork2, cp5}}
	for name, pair := range tests {
		if _, err := Consistent(ctx, verifier, pair[0], pair[1], f.ReadTile); !errors.Is(err, ErrFork) {
			t.Errorf("%s: err = %v, want ErrFork", name, err)
		}
	}
	other := testKey(t, filepath.Join(dir, "other"))
	otherV, _ := evidence.ParseLogKey(other.Public)
	if _, err := Consistent(ctx, otherV, cp2, cp5, f.ReadTile); !errors.Is(err, evidence.ErrLogProof) {
		t.Errorf("checkpoints checked with another key: %v", err)
	}
}
