package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signroom/signroom/frontend"
)

// buildBinary compiles signroom once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "signroom-e2e-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "signroom")
	out, err := exec.Command("go", "build", "-o", bin, "../cmd/signroom").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// service is a running signroom serve process and the URL browsers use.
type service struct {
	base    string // what browsers open: the binary, or a front serving the frontend beside it
	api     string // the binary itself
	dataDir string
	logs    *syncBuffer
}

// startService runs `signroom serve` on 127.0.0.1:0 with a fresh data directory. Media ICE
// candidates are announced on 127.0.0.1 (--public-ip) so Chromium on this host reaches them.
func startService(t *testing.T) *service {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir, "--public-ip", "127.0.0.1")
	cmd.Env = append(os.Environ(), "SIGNROOM_LOG_LEVEL=info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			s := &service{api: "http://" + addr, dataDir: dir, logs: logs}
			s.waitHealthy(t)
			s.base = s.frontURL(t)
			return s
		}
	}
	t.Fatalf("server exited before listening: %s", logs.String())
	return nil
}

func (s *service) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.api + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no /healthz 200 within 20s: %s", s.logs.String())
}

// frontURL returns the binary's own URL when it serves the frontend. Until cmd/signroom
// mounts frontend.Handler, it starts a same-origin front on 127.0.0.1:0 that serves the
// embedded frontend and proxies everything else (the API and the ceremony WebSocket) to
// the binary, so the browser still talks to the real service.
func (s *service) frontURL(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(s.api + "/app/join.html")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return s.api
	}
	target, _ := url.Parse(s.api)
	proxy := httputil.NewSingleHostReverseProxy(target)
	fe := frontend.Handler()
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", fe)
	mux.Handle("GET /app/", fe)
	mux.Handle("/", proxy)
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	t.Logf("the binary does not serve /app/ yet; frontend served by a same-origin front at %s", front.URL)
	return front.URL
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// organizer creates the organizer account with the CLI and logs in through the API.
func (s *service) organizer(t *testing.T, user, password string) *api {
	t.Helper()
	bin, _ := buildBinary()
	add := exec.Command(bin, "user", "add", "--data-dir", s.dataDir, "--role", "organizer", "--password-stdin", user)
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("user add: %v %s", err, out)
	}
	c := &api{t: t, base: s.api}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c.post("/api/login", map[string]string{"username": user, "password": password}, http.StatusOK, &tok)
	c.token = tok.AccessToken
	return c
}

// api is a small test client of the Signroom HTTP API.
type api struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and decodes the JSON answer into out, failing unless the status is want.
func (c *api) do(method, path string, body io.Reader, contentType string, want int, out any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func (c *api) post(path string, in any, want int, out any) {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	c.do("POST", path, body, "application/json", want, out)
}
