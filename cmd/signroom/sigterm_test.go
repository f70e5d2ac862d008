package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

// buildBinary compiles signroom once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "signroom-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "signroom")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// process is a signroom serve child process.
type process struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

func startProcess(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	cmd.Stderr = logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok {
			go io.Copy(io.Discard, stdout)
			p := &process{cmd: cmd, base: "http://" + addr, logs: logs}
			p.waitHealthy(t)
			t.Logf("serving /healthz 200 %v after start", time.Since(start).Round(time.Millisecond))
			return p
		}
	}
	t.Fatalf("server exited before listening: %s", logs)
	return nil
}

func (p *process) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no /healthz 200 within 20s: %s", p.logs)
}

func (p *process) postJSON(t *testing.T, token, path string, body any, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", p.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s = %d %s", path, resp.StatusCode, rb)
	}
	if err := json.Unmarshal(rb, out); err != nil {
		t.Fatalf("POST %s: decode %s: %v", path, rb, err)
	}
}

// login creates an organizer with the CLI and logs in through the API.
func loginOrganizer(t *testing.T, p *process, dataDir string, env []string) string {
	t.Helper()
	bin, _ := buildBinary()
	add := exec.Command(bin, "user", "add", "--data-dir", dataDir, "--role", "organizer", "--password-stdin", "organizer")
	add.Env = append(os.Environ(), env...)
	add.Stdin = strings.NewReader("a long enough password\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	p.postJSON(t, "", "/api/login", map[string]string{"username": "organizer", "password": "a long enough password"}, &tok)
	return tok.AccessToken
}

// TestSIGTERMDuringUploadLeavesNoObject starts the real binary, streams a document upload
// slowly, sends SIGTERM halfway, and checks that neither the blob store nor the database holds
// any part of it — for the local store and for MinIO.
func TestSIGTERMDuringUploadLeavesNoObject(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		env := []string{"SIGNROOM_DATA_DIR=" + dir, "SIGNROOM_SHUTDOWN_TIMEOUT=1s"}
		sigtermDuringUpload(t, dir, env, func(t *testing.T) blob.Store {
			l, err := blob.NewLocal(filepath.Join(dir, "blobs"), bytes.Repeat([]byte("k"), 32), "http://x", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l.Buckets().Working
		})
	})
	t.Run("minio", func(t *testing.T) {
		mc := minioFromEnv(t)
		dir := t.TempDir()
		suffix := fmt.Sprintf("%d", time.Now().UnixNano())
		mc.WorkingBucket, mc.ArchiveBucket = "sigterm-w-"+suffix, "sigterm-a-"+suffix
		env := []string{"SIGNROOM_DATA_DIR=" + dir, "SIGNROOM_SHUTDOWN_TIMEOUT=1s", "SIGNROOM_BLOB=s3",
			"SIGNROOM_S3_ENDPOINT=" + mc.Endpoint, "SIGNROOM_S3_ACCESS_KEY=" + mc.AccessKey,
			"SIGNROOM_S3_SECRET_KEY=" + mc.SecretKey, "SIGNROOM_S3_TLS=false",
			"SIGNROOM_S3_WORKING_BUCKET=" + mc.WorkingBucket, "SIGNROOM_S3_ARCHIVE_BUCKET=" + mc.ArchiveBucket,
			"SIGNROOM_S3_PART_SIZE=5242880"}
		sigtermDuringUpload(t, dir, env, func(t *testing.T) blob.Store {
			b, err := blob.NewMinIO(context.Background(), mc, nil)
			if err != nil {
				t.Fatal(err)
			}
			return b.Working
		})
	})
}

// minioFromEnv returns the test MinIO server from make test's environment; in CI a missing
// server fails the test, elsewhere it skips.
func minioFromEnv(t *testing.T) blob.MinIOConfig {
	t.Helper()
	ep := os.Getenv("SIGNROOM_TEST_MINIO_ENDPOINT")
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SIGNROOM_TEST_MINIO_ENDPOINT is not set in CI: run the tests with make test")
		}
		t.Skip("no MinIO: run make test")
	}
	return blob.MinIOConfig{Endpoint: ep, AccessKey: os.Getenv("SIGNROOM_TEST_MINIO_ACCESS_KEY"), SecretKey: os.Getenv("SIGNROOM_TEST_MINIO_SECRET_KEY")}
}

func sigtermDuringUpload(t *testing.T, dir string, env []string, openStore func(*testing.T) blob.Store) {
	p := startProcess(t, env)
	token := loginOrganizer(t, p, dir, env)
	var ag struct {
		ID string `json:"id"`
	}
	p.postJSON(t, token, "/api/agreements", map[string]any{"title": map[string]string{"en": "MOU"}}, &ag)

	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", p.base+"/api/agreements/"+ag.ID+"/documents?language=ko", pr)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/pdf")
	req.ContentLength = 40 << 20
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("upload finished with %d", resp.StatusCode)
		}
		done <- err
	}()
	chunk := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("0123456789abcdef"), 64<<10)...)
	if _, err := pw.Write(chunk); err != nil {
		t.Fatalf("write first MiB: %v", err)
	}
	for i := 0; i < 6; i++ { // about 7 MiB in, past one 5 MiB part
		pw.Write(bytes.Repeat([]byte("x"), 1<<20))
	}
	time.Sleep(300 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- p.cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Fatalf("server exit after SIGTERM = %v, want a clean exit: %s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("server did not exit within 15s of SIGTERM: %s", p.logs)
	}
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-done; err == nil {
		t.Fatal("upload succeeded although the server was stopped mid-stream")
	}
	objs, err := openStore(t).List(context.Background(), "agreements/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 0 {
		t.Fatalf("objects visible after SIGTERM mid-upload: %+v", objs)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "signroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := db.Agreement(context.Background(), ag.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Documents) != 0 {
		t.Fatalf("documents recorded after SIGTERM mid-upload: %+v", a.Documents)
	}
}
