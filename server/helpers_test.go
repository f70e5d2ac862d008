package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/render/rendertest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

const testIssuer = "https://signroom.test"

// cheapArgon keeps password hashing fast in tests.
var cheapArgon = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

// env is a running test server over a real SQLite file and an in-memory blob store.
type env struct {
	t      *testing.T
	db     *sqlite.DB
	blobs  *memBlobs
	arch   *memBlobs
	keys   *auth.KeyRing
	issuer *auth.Issuer
	srv    *httptest.Server
	api    *Server
	hub    *fakeHub
	users  map[string]agreement.User // by name: admin, owner, other, legal, archivist
	tokens map[string]string         // staff tokens by user name
}

type envOption func(*Config)

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "signroom.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := auth.NewKeyRing(testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := evidence.NewSelfSignedSealer("Signroom test seal", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, blobs: newMemBlobs(), arch: newMemBlobs(), keys: keys, issuer: auth.NewIssuer(keys, testIssuer, nil),
		hub: &fakeHub{}, users: map[string]agreement.User{}, tokens: map[string]string{}}
	cfg := Config{Store: db, Blobs: e.blobs, Keys: keys, Issuer: e.issuer,
		Verifier: auth.NewVerifier(keys, testIssuer, db, nil), Ceremony: e.hub, Archive: e.arch, Sealer: sealer,
		PasswordParams: &cheapArgon, TempDir: t.TempDir(), MaxUploadBytes: 1 << 20, Renderer: rendertest.Fast(t), RenderDPI: rendertest.FastDPI}
	for _, o := range opts {
		o(&cfg)
	}
	e.api = New(cfg)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	for name, roles := range map[string][]string{
		"admin": {auth.RoleAdmin}, "owner": {auth.RoleOrganizer}, "other": {auth.RoleOrganizer},
		"legal": {auth.RoleLegal}, "archivist": {auth.RoleArchivist},
	} {
		e.addUser(name, roles...)
	}
	return e
}

func (e *env) cfgVerifyLimits() evidence.Limits { return *e.api.cfg.VerifyLimits }

func (e *env) addUser(name string, roles ...string) agreement.User {
	e.t.Helper()
	hash, err := auth.HashPasswordWith("correct horse battery "+name, cheapArgon)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.db.CreateUser(context.Background(), agreement.User{Username: name, Roles: roles, PasswordHash: hash})
	if err != nil {
		e.t.Fatalf("CreateUser %s: %v", name, err)
	}
	tok, _, err := e.issuer.IssueStaff(u.ID, roles, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[name], e.tokens[name] = u, tok
	return u
}

// response is a decoded API answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) errCode() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (r response) errMessage() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		s, _ := e["message"].(string)
		return s
	}
	return ""
}

func (r response) str(key string) string { s, _ := r.body[key].(string); return s }

// do sends a request; body may be nil, a string or []byte (sent as is) or a value (JSON).
func (e *env) do(method, path, token string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/pdf"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

// must fails the test unless the response has status want.
func (e *env) must(r response, want int) response {
	e.t.Helper()
	if r.status != want {
		e.t.Fatalf("status = %d, want %d; body %s", r.status, want, r.raw)
	}
	return r
}

// fakeHub records what the server tells the ceremony hub; participants in connected are in
// the live room.
type fakeHub struct {
	mu         sync.Mutex
	broadcasts []string
	events     []any
	revoked    []string
	ended      []string        // agreementID/reason
	connected  map[string]bool // agreementID/participantID
}

func (h *fakeHub) End(agreementID, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = append(h.ended, agreementID+"/"+reason)
}

func (h *fakeHub) Connected(agreementID, participantID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.connected[agreementID+"/"+participantID]
}

func (h *fakeHub) connect(agreementID, participantID string, in bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.connected == nil {
		h.connected = map[string]bool{}
	}
	h.connected[agreementID+"/"+participantID] = in
}

func (h *fakeHub) sent() []any {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]any(nil), h.events...)
}

func (h *fakeHub) Broadcast(id string, ev any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.broadcasts = append(h.broadcasts, fmt.Sprintf("%s:%v", id, ev))
	h.events = append(h.events, ev)
}

func (h *fakeHub) Revoke(id, jti string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.revoked = append(h.revoked, jti)
}

func (h *fakeHub) revokedIDs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.revoked...)
}

// memBlobs is an in-memory blob.Store with the contract's Put semantics.
type memBlobs struct {
	mu   sync.Mutex
	objs map[string][]byte
	info map[string]blob.ObjectInfo
}

func newMemBlobs() *memBlobs {
	return &memBlobs{objs: map[string][]byte{}, info: map[string]blob.ObjectInfo{}}
}

func (m *memBlobs) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.ObjectInfo, error) {
	var buf bytes.Buffer
	src := r
	if o.MaxSize > 0 {
		src = io.LimitReader(r, o.MaxSize+1)
	}
	if _, err := io.Copy(&buf, src); err != nil {
		return blob.ObjectInfo{}, err
	}
	if o.MaxSize > 0 && int64(buf.Len()) > o.MaxSize {
		return blob.ObjectInfo{}, blob.ErrTooLarge
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[key]; ok {
		return blob.ObjectInfo{}, blob.ErrExists
	}
	sum := sha256.Sum256(buf.Bytes())
	info := blob.ObjectInfo{Key: key, Size: int64(buf.Len()), SHA256: hex.EncodeToString(sum[:]), ContentType: o.ContentType, ModTime: time.Now(),
		VersionID: fmt.Sprintf("v%d", time.Now().UnixNano())}
	m.objs[key], m.info[key] = buf.Bytes(), info
	return info, nil
}

func (m *memBlobs) get(key string) ([]byte, blob.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[key]
	if !ok {
		return nil, blob.ObjectInfo{}, blob.ErrNotFound
	}
	return b, m.info[key], nil
}

func (m *memBlobs) Open(ctx context.Context, key string) (io.ReadCloser, blob.ObjectInfo, error) {
	b, info, err := m.get(key)
	return io.NopCloser(bytes.NewReader(b)), info, err
}

func (m *memBlobs) OpenRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	b, _, err := m.get(key)
	if err != nil {
		return nil, err
	}
	if off < 0 || off >= int64(len(b)) || n == 0 {
		return nil, blob.ErrInvalidRange
	}
	b = b[off:]
	if n > 0 && n < int64(len(b)) {
		b = b[:n]
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m *memBlobs) OpenVersion(ctx context.Context, key, version string, off, n int64) (io.ReadCloser, blob.ObjectInfo, error) {
	_, info, err := m.get(key)
	if err == nil && version != "" && version != info.VersionID {
		err = blob.ErrNotFound
	}
	if err != nil {
		return nil, info, err
	}
	rc, err := m.OpenRange(ctx, key, off, n)
	return rc, info, err
}

func (m *memBlobs) Stat(ctx context.Context, key string) (blob.ObjectInfo, error) {
	_, info, err := m.get(key)
	return info, err
}

func (m *memBlobs) Delete(ctx context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objs[key]; !ok {
		return blob.ErrNotFound
	}
	delete(m.objs, key)
	delete(m.info, key)
	return nil
}

func (m *memBlobs) List(ctx context.Context, prefix string) ([]blob.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []blob.ObjectInfo
	for k, info := range m.info {
		if strings.HasPrefix(k, prefix) {
			out = append(out, info)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (m *memBlobs) PresignGet(ctx context.Context, key string, d time.Duration) (string, error) {
	return "", fmt.Errorf("presign: not supported in tests")
}

func (m *memBlobs) Ping(ctx context.Context) error { return nil }

func (m *memBlobs) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.objs)
}
