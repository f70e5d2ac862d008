package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/tsatest"
	"github.com/signroom/signroom/translog"
)

// TestTimeAndLogThroughTheRealService: signroom serve with a TSA seals a ceremony; the
// bundle verifies with the TSA's root and the log key (trusted time, PDF time-stamp and
// log inclusion all pass), the log is served at /log/, and the bundle's checkpoint is
// consistent with what the log serves (signroom log).
func TestTimeAndLogThroughTheRealService(t *testing.T) {
	ts := tsatest.Start(t, "tsa")
	m, base := startMain(t, "--tsa-url", ts.URL)
	org, id := signAndSeal(t, m, base)
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle.zip")
	download(t, org, "/api/agreements/"+id+"/evidence", bundle)
	cert := writeFile(t, dir, "seal.pem", evidence.CertPEM(m.Sealer.Cert))
	key := writeFile(t, dir, "log.vkey", []byte(fetchText(t, base+"/log/key")))
	if strings.TrimSpace(fetchText(t, base+"/log/key")) != m.Log.Key().Public {
		t.Fatalf("GET /log/key is not the log's key")
	}
	code, out, errs := runCmd(t, dir, "", "verify", "--seal-cert", cert, "--tsa-roots", ts.WriteRoot(t, dir), "--log-key", key, bundle)
	for _, want := range []string{"PASS  trusted time: manifest time-stamped", "PASS  pdf timestamp: PDF signature time-stamped", "PASS  log inclusion", "VALID"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Fatalf("signroom verify = exit %d, want 0 with %q:\n%s%s", code, want, out, errs)
		}
	}
	proof := writeFile(t, dir, "tlog-proof.txt", zipEntry(t, bundle, evidence.TagLogProof))
	if code, out, errs := runCmd(t, dir, "", "log", "--log-key", key, "--checkpoint", proof, base); code != 0 || !strings.Contains(out, "CONSISTENT") {
		t.Errorf("signroom log against the bundle's checkpoint = exit %d\n%s%s", code, out, errs)
	}
}

// TestLogMonitorDetectsFork: signroom log saves the first checkpoint, accepts the log's
// growth (a consistency proof from the served tiles), and reports a fork when the
// checkpoint it saw is one of another history of the same size signed with the same key.
func TestLogMonitorDetectsFork(t *testing.T) {
	m, base := startMain(t)
	ctx := context.Background()
	appendN := func(l *translog.Log, prefix string, n int) {
		for i := range n {
			sum := sha256.Sum256([]byte(prefix + string(rune('a'+i))))
			if _, err := l.Append(ctx, sum[:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	dir := t.TempDir()
	key := writeFile(t, dir, "log.vkey", []byte(m.Log.Key().Public+"\n"))
	seen := filepath.Join(dir, "seen.checkpoint")
	logCmd := func(file string) (int, string) {
		code, out, errs := runCmd(t, dir, "", "log", "--log-key", key, "--checkpoint", file, base)
		return code, out + errs
	}
	appendN(m.Log, "record ", 1)
	if code, out := logCmd(seen); code != 0 || !strings.Contains(out, "FIRST CHECKPOINT") {
		t.Fatalf("first run = %d\n%s", code, out)
	}
	appendN(m.Log, "record ", 2)
	if code, out := logCmd(seen); code != 0 || !strings.Contains(out, "grew from 1 to 3 entries") {
		t.Fatalf("after growth = %d\n%s", code, out)
	}
	// The operator runs a second log with the same key and shows someone else a history in
	// which the third record is another one.
	forkDir := filepath.Join(dir, "fork")
	forkKey, err := translog.LoadOrCreateKey(filepath.Join(m.Config.DataDir, "seal"), "ignored")
	if err != nil {
		t.Fatal(err)
	}
	fork, err := translog.Open(ctx, translog.Config{Dir: forkDir, Key: forkKey})
	if err != nil {
		t.Fatal(err)
	}
	defer fork.Close(ctx)
	appendN(fork, "record ", 2)
	appendN(fork, "forged ", 1)
	cp, err := fork.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	forked := writeFile(t, dir, "forked.checkpoint", cp)
	if code, out := logCmd(forked); code != 1 || !strings.Contains(out, "FORK") || !strings.Contains(out, "two different checkpoints of size 3") {
		t.Errorf("forked checkpoint = exit %d, want 1 with FORK:\n%s", code, out)
	}
	if code, out := logCmd(seen); code != 0 || !strings.Contains(out, "from 3 to 3") {
		t.Errorf("the genuine checkpoint again = %d\n%s", code, out)
	}
	otherKey, err := translog.LoadOrCreateKey(t.TempDir(), m.Log.Key().Origin()) // same origin, another key
	if err != nil {
		t.Fatal(err)
	}
	other := writeFile(t, dir, "other.vkey", []byte(otherKey.Public))
	if code, out, errs := runCmd(t, dir, "", "log", "--log-key", other, "--checkpoint", seen, base); code != 1 || !strings.Contains(errs, "checkpoint") {
		t.Errorf("the log checked with another key = exit %d, want 1\n%s%s", code, out, errs)
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fetchText(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// zipEntry returns the bag file rel of a bundle on disk.
func zipEntry(t *testing.T, bundle, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if _, r, _ := strings.Cut(f.Name, "/"); r == rel {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, _ := io.ReadAll(rc)
			return b
		}
	}
	t.Fatalf("%s has no %s", bundle, rel)
	return nil
}
