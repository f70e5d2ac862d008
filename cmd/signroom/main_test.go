package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/auth"
)

// envMap turns a map into the env lookup run takes.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// startMain opens a Main on 127.0.0.1:0 in a temporary data directory and serves it until the
// test ends.
func startMain(t *testing.T, extra ...string) (*Main, string) {
	t.Helper()
	return startMainEnv(t, nil, extra...)
}

// startMainEnv is startMain with environment variables (secrets) for the configuration.
func startMainEnv(t *testing.T, env map[string]string, extra ...string) (*Main, string) {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--shutdown-timeout", "2s"}, extra...)
	cfg, err := parseServeConfig(args, envMap(env), io.Discard)
	if err != nil {
		t.Fatalf("parseServeConfig: %v", err)
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, io.Discard), loopbackMedia: true}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatalf("Open: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return m, "http://" + m.Addr()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeHealthReadyMetrics(t *testing.T) {
	_, base := startMain(t)
	tests := []struct {
		path string
		want string
	}{
		{"/healthz", `"status":"ok"`},
		{"/readyz", `"blob_archive":"ok"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, body := get(t, base+tt.path)
			if code != http.StatusOK || !strings.Contains(body, tt.want) {
				t.Fatalf("GET %s = %d %q, want 200 containing %q", tt.path, code, body, tt.want)
			}
		})
	}
}

// TestMetricsNotPublic is issue 8 item 14 (/metrics on the public listener): without a
// metrics token the public listener does not serve them, the operator's --debug-addr
// listener does; with SIGNROOM_METRICS_TOKEN the public one serves them to that bearer only.
func TestMetricsNotPublic(t *testing.T) {
	m, base := startMain(t, "--debug-addr", "127.0.0.1:0")
	if code, body := get(t, base+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "go_goroutines") {
		t.Errorf("public /metrics without a token = %d, want 404 without metrics", code)
	}
	waitFor(t, 5*time.Second, "debug listener", func() bool { return m.debugAddrNow() != "" })
	if code, body := get(t, "http://"+m.debugAddrNow()+"/metrics"); code != http.StatusOK || !strings.Contains(body, "signroom_http_requests_total") {
		t.Errorf("ops /metrics = %d, want 200 with the service's metrics", code)
	}
	const token = "metrics-token-0123456789"
	_, base = startMainEnv(t, map[string]string{"SIGNROOM_METRICS_TOKEN": token})
	for _, tc := range []struct {
		auth string
		want int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong-token-0123456789", http.StatusUnauthorized}, {"Bearer " + token, http.StatusOK}} {
		req, _ := http.NewRequest("GET", base+"/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("public /metrics with %q = %d, want %d", tc.auth, res.StatusCode, tc.want)
		}
	}
}

func TestReadyzNamesTheDependencyThatIsDown(t *testing.T) {
	m, base := startMain(t)
	m.DB.Close()
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"down`) || !strings.Contains(body, `"blob_working":"ok"`) {
		t.Fatalf("GET /readyz with the database closed = %d %s, want 503 naming the database only", code, body)
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	cfg, err := parseServeConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, envMap(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, io.Discard)}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
}

func TestBadConfigurationIsOneLineNamingTheOption(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown blob", []string{"serve", "--blob", "ftp"}, nil, "--blob"},
		{"bad addr", []string{"serve", "--addr", "nohost"}, nil, "--addr"},
		{"bad env bool", []string{"serve"}, map[string]string{"SIGNROOM_S3_TLS": "maybe"}, "$SIGNROOM_S3_TLS"},
		{"bad env duration", []string{"serve"}, map[string]string{"SIGNROOM_SHUTDOWN_TIMEOUT": "soon"}, "$SIGNROOM_SHUTDOWN_TIMEOUT"},
		{"s3 without endpoint", []string{"serve", "--blob", "s3"}, nil, "--s3-endpoint"},
		{"s3 without secret", []string{"serve", "--blob", "s3", "--s3-endpoint", "h:9000", "--s3-access-key", "k"}, nil, "$SIGNROOM_S3_SECRET_KEY"},
		{"secret twice", []string{"serve"}, map[string]string{"SIGNROOM_URL_SECRET": strings.Repeat("x", 40), "SIGNROOM_URL_SECRET_FILE": "/x"}, "$SIGNROOM_URL_SECRET"},
		{"secret file missing", []string{"serve"}, map[string]string{"SIGNROOM_S3_SECRET_KEY_FILE": "/nonexistent/secret"}, "$SIGNROOM_S3_SECRET_KEY_FILE"},
		{"short url secret", []string{"serve"}, map[string]string{"SIGNROOM_URL_SECRET": "short"}, "$SIGNROOM_URL_SECRET"},
		{"same buckets", []string{"serve", "--blob", "s3", "--s3-endpoint", "h:9000", "--s3-access-key", "k", "--s3-archive-bucket", "signroom-working"}, map[string]string{"SIGNROOM_S3_SECRET_KEY": "s"}, "--s3-archive-bucket"},
		{"log format", []string{"serve", "--log-format", "xml"}, nil, "--log-format"},
		{"bad proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8,proxy.local"}, nil, "--trusted-proxies"},
		{"room too large for the frame limit", []string{"serve", "--max-room-size", "33"}, nil, "--max-room-size"},
		{"bad ice addr", []string{"serve", "--ice-addr", "media.example.org"}, nil, "--ice-addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, envMap(tt.env), nil, &stdout, &stderr)
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Fatalf("run(%q) = exit %d, stderr %q; want exit 2 and one line naming %s", tt.args, code, stderr.String(), tt.want)
			}
		})
	}
}

func TestServeHelpDocumentsEveryOption(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--help"}, envMap(nil), nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("serve --help exit = %d, want 0", code)
	}
	for _, want := range []string{"--addr", "SIGNROOM_ADDR", "--blob", "--s3-endpoint", "SIGNROOM_S3_SECRET_KEY_FILE", "SIGNROOM_URL_SECRET"} {
		if !strings.Contains(stderr.String(), strings.TrimPrefix(want, "-")) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}

// TestMediaBindsTheListenHost: the media sockets' address defaults to the host of --addr
// (an IP as it is, localhost as 127.0.0.1, an empty or unspecified host as every interface),
// and --ice-addr overrides it.
func TestMediaBindsTheListenHost(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "127.0.0.1:8080"}, "127.0.0.1"},
		{[]string{"--addr", "192.0.2.2:8080"}, "192.0.2.2"},
		{[]string{"--addr", "[::1]:8080"}, "::1"},
		{[]string{"--addr", "localhost:8080"}, "127.0.0.1"},
		{[]string{"--addr", ":8080"}, ""},
		{[]string{"--addr", "0.0.0.0:8080"}, "0.0.0.0"},
		{[]string{"--addr", "127.0.0.1:8080", "--ice-addr", "192.0.2.2"}, "192.0.2.2"},
	}
	for _, tt := range tests {
		cfg, err := parseServeConfig(append(tt.args, "--data-dir", t.TempDir()), envMap(nil), io.Discard)
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if cfg.Media.ICEAddr != tt.want {
			t.Errorf("%q: media address %q, want %q", tt.args, cfg.Media.ICEAddr, tt.want)
		}
	}
}

func TestEnvironmentSetsOptions(t *testing.T) {
	dir := t.TempDir()
	cfg, err := parseServeConfig(nil, envMap(map[string]string{
		"SIGNROOM_ADDR": "127.0.0.1:9999", "SIGNROOM_DATA_DIR": dir, "SIGNROOM_LOG_FORMAT": "json",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TrustedProxies) != 0 {
		t.Fatalf("trusted proxies by default = %v, want none", cfg.TrustedProxies)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.DataDir != dir || cfg.LogFormat != "json" ||
		cfg.Database != filepath.Join(dir, "signroom.db") || cfg.PublicURL != "http://localhost:9999" {
		t.Fatalf("config from env = %+v", cfg)
	}
}

// TestTokenKeysFromEnvironment: with $SIGNROOM_TOKEN_KEYS the service signs with the first key
// and publishes every key in its JWKS, and keeps none in the data directory.
func TestTokenKeysFromEnvironment(t *testing.T) {
	var pems []byte
	var kids []string
	for i := 0; i < 2; i++ {
		_, key, _ := ed25519.GenerateKey(nil)
		b, err := auth.MarshalPrivateKeyPEM(key)
		if err != nil {
			t.Fatal(err)
		}
		pems = append(pems, b...)
		kids = append(kids, auth.Thumbprint(key.Public().(ed25519.PublicKey)))
	}
	m, base := startMainEnv(t, map[string]string{"SIGNROOM_TOKEN_KEYS": string(pems)})
	if got := m.Keys.ActiveKID(); got != kids[0] {
		t.Fatalf("active kid = %s, want the first key %s", got, kids[0])
	}
	_, jwks := get(t, base+"/.well-known/jwks.json")
	for _, kid := range kids {
		if !strings.Contains(jwks, kid) {
			t.Errorf("JWKS %s lacks %s", jwks, kid)
		}
	}
	if _, err := os.Stat(filepath.Join(m.Config.DataDir, "keys")); err == nil {
		t.Error("keys written to the data directory although they came from the environment")
	}
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()},
		envMap(map[string]string{"SIGNROOM_TOKEN_KEYS": "not a pem"}), nil, io.Discard, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "SIGNROOM_TOKEN_KEYS") {
		t.Fatalf("bad $SIGNROOM_TOKEN_KEYS: exit %d, stderr %q", code, stderr.String())
	}
}

func TestTrustedProxiesOption(t *testing.T) {
	cfg, err := parseServeConfig([]string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.10 ,::1"}, envMap(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.TrustedProxies {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.10/32 ::1/128" {
		t.Fatalf("trusted proxies = %v", got)
	}
}

func TestDebugListenerIsSeparate(t *testing.T) {
	m, base := startMain(t, "--debug-addr", "127.0.0.1:0")
	waitFor(t, 5*time.Second, "debug listener", func() bool { return m.debugAddrNow() != "" })
	if code, body := get(t, "http://"+m.debugAddrNow()+"/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Fatalf("GET /debug/pprof/ on the debug listener = %d", code)
	}
	if code, _ := get(t, base+"/debug/pprof/"); code != http.StatusNotFound {
		t.Fatalf("GET /debug/pprof/ on the public listener = %d, want 404", code)
	}
}
