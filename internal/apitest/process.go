package apitest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// BuildBinary compiles the signroom command once per test binary and returns its path.
var BuildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "signroom-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "signroom")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/signroom/signroom/cmd/signroom").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// Process is a running `signroom serve`.
type Process struct {
	Cmd     *exec.Cmd
	Base    string // http://127.0.0.1:PORT
	DataDir string
	Env     []string
	Logs    *SyncBuffer // stderr: the structured log
}

// Start runs `signroom serve --addr 127.0.0.1:0 --data-dir DIR ARGS...` with env added to the
// environment, waits for /healthz and kills the process when the test ends.
func Start(t testing.TB, env []string, args ...string) *Process {
	t.Helper()
	return StartIn(t, t.TempDir(), env, args...)
}

// StartIn is Start with a given data directory (a restart after a crash).
func StartIn(t testing.TB, dataDir string, env []string, args ...string) *Process {
	t.Helper()
	bin, err := BuildBinary()
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{DataDir: dataDir, Env: env, Logs: &SyncBuffer{}}
	p.Cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", p.DataDir}, args...)...)
	p.Cmd.Env = append(os.Environ(), env...)
	p.Cmd.Stderr = p.Logs
	stdout, err := p.Cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.Cmd.Process.Kill()
		_ = p.Cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", p.Logs.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			p.Base = "http://" + addr
			p.waitHealthy(t)
			t.Logf("signroom serve answered /healthz 200 %v after start", time.Since(start).Round(time.Millisecond))
			return p
		}
	}
	t.Fatalf("server exited before listening: %s", p.Logs.String())
	return nil
}

func (p *Process) waitHealthy(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.Base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no /healthz 200 within 20s: %s", p.Logs.String())
}

// Organizer creates an organizer account with `signroom user add --password-stdin` and logs
// in through the API.
func (p *Process) Organizer(t testing.TB, user, password string) *Client {
	t.Helper()
	p.AddUser(t, user, password, "organizer")
	return Login(t, p.Base, user, password)
}

// AddUser creates a staff account with roles through `signroom user add --password-stdin`.
func (p *Process) AddUser(t testing.TB, user, password string, roles ...string) {
	t.Helper()
	bin, _ := BuildBinary()
	add := exec.Command(bin, "user", "add", "--data-dir", p.DataDir, "--role", strings.Join(roles, ","), "--password-stdin", user)
	add.Env = append(os.Environ(), p.Env...)
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
}

// SyncBuffer is a bytes.Buffer safe for a process's writes and a test's reads.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
