package main

import (
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/frontend"
	"github.com/signroom/signroom/internal/periodic"
	"github.com/signroom/signroom/recording"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/sealing"
	"github.com/signroom/signroom/server"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
	"github.com/signroom/signroom/translog"
	"github.com/signroom/signroom/tsa"
	"github.com/signroom/signroom/turnserver"
)

// Main is the running service: every adapter opened and joined. Tests build one on
// 127.0.0.1:0 and drive it like a user would.
type Main struct {
	Config    Config
	Logger    *slog.Logger
	Registry  *prometheus.Registry
	DB        *sqlite.DB
	Blobs     blob.Buckets
	Keys      *auth.KeyRing
	Issuer    *auth.Issuer
	Verifier  *auth.Verifier
	Hub       *signaling.Hub
	TURN      *turnserver.Server // nil unless configured
	Sealer    *evidence.Sealer
	Sealing   *sealing.Service
	Recorder  *recording.Recorder
	Log       *translog.Log  // the transparency log of sealed manifests
	Renderer  *render.Engine // page images at upload, compiled at the first one
	blobHTTP  http.Handler
	urlKey    []byte // the URL-signing secret: local blob URLs and recording media URLs
	HTTP      *http.Server
	listener  net.Listener
	closers   []func() error
	debugMu   sync.Mutex
	debugAddr string // where pprof is served, once Run started it
	// fixityMismatches counts archived objects fixity runs found changed (a metric).
	fixityMismatches prometheus.Counter
	// loopbackMedia keeps ICE on 127.0.0.1 (tests).
	loopbackMedia bool
}

// runServe parses configuration, opens the service and serves until ctx is cancelled.
func runServe(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseServeConfig(args, env, stderr)
	if err != nil {
		var ce *configError
		if errors.As(err, &ce) {
			return err
		}
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg, stderr)}
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	fmt.Fprintf(stdout, "Signroom is serving at %s\n  listening on %s\n  data directory %s\n  database %s\n  blob store %s\n  WebRTC UDP %s\n  transparency log %s%s (key %s)\n",
		m.Config.PublicURL, m.Addr(), absPath(cfg.DataDir), absPath(cfg.Database), m.blobDescription(), m.Hub.ICEUDPAddr(),
		m.Config.PublicURL, translog.PublicPath, m.Log.Key().Public)
	if users, err := m.DB.ListUsers(ctx); err == nil && len(users) == 0 {
		fmt.Fprintf(stdout, "No staff accounts yet. Create the first one with:\n  signroom user add --data-dir %s --role admin,organizer NAME\n", cfg.DataDir)
	}
	err = m.Run(ctx)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return err
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open creates the data directory, opens the database and blob store, builds the HTTP
// server and starts listening (but not serving; see Run).
func (m *Main) Open(ctx context.Context) error {
	if err := m.ownDataDir(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.listener = ln
	if !m.Config.publicURLSet { // port 0: links and the token issuer name the real port
		m.Config.PublicURL = "http://" + displayAddr(ln.Addr().String())
	}
	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	db, err := sqlite.Open(ctx, m.Config.Database)
	if err != nil {
		return err
	}
	m.DB = db
	m.closers = append(m.closers, db.Close)
	if err := m.openBlobs(ctx); err != nil {
		return err
	}
	if m.urlKey, err = m.urlSecret(); err != nil {
		return err
	}
	if err := m.openAuth(); err != nil {
		return err
	}
	if err := m.openSealer(ctx); err != nil {
		return err
	}
	if err := m.openLog(ctx); err != nil {
		return err
	}
	if err := m.openRecorder(); err != nil {
		return err
	}
	if err := m.openHub(); err != nil {
		return err
	}
	m.fixityMismatches = prometheus.NewCounter(prometheus.CounterOpts{Name: "signroom_fixity_mismatches_total",
		Help: "Archived objects found by a fixity run to differ from their seal or to be unreadable."})
	m.Registry.MustRegister(m.fixityMismatches)
	m.openRenderer()
	srv := server.New(m.serverConfig())
	m.Sealing = srv.Sealing()
	if n, err := m.Sealing.Sweep(ctx); err != nil {
		m.Logger.Warn("sweep sealing staging copies", "err", err)
	} else if n > 0 {
		m.Logger.Info("removed sealing staging copies left behind", "count", n)
	}
	if n, err := srv.SweepUploads(ctx); err != nil {
		m.Logger.Warn("sweep upload leftovers", "err", err)
	} else if n > 0 {
		m.Logger.Info("removed upload leftovers of an earlier run", "count", n)
	}
	m.HTTP = server.HTTPServer(m.Config.Addr, srv.Handler(), m.Logger)
	return nil
}

// ownDataDir creates the data directory for its owner only, or takes group and other access
// from an existing one (it holds the database, keys and, with the local store, every
// document); a directory it cannot restrict stops the start.
func (m *Main) ownDataDir() error {
	dir := m.Config.DataDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, perm&0o700); err != nil {
			return fmt.Errorf("data directory %s is open to other users (mode %04o) and cannot be restricted: %w", dir, perm, err)
		}
		m.Logger.Warn("data directory was open to other users; restricted to its owner", "dir", dir, "was", fmt.Sprintf("%04o", perm))
	}
	return nil
}

func (m *Main) serverConfig() server.Config {
	checks := []server.NamedCheck{
		{Name: "database", Checker: m.DB},
		{Name: "blob_working", Checker: m.Blobs.Working},
		{Name: "blob_archive", Checker: m.Blobs.Archive},
		{Name: "recordings", Checker: m.Recorder},
		{Name: "renderer", Checker: m.Renderer},
	}
	fe := frontend.Handler()
	mounts := map[string]http.Handler{
		"GET /api/agreements/{id}/ceremony/ws": m.Hub.Handler(),
		"GET /{$}":                             fe,
		"GET /app/":                            fe,
	}
	if m.blobHTTP != nil {
		mounts["GET /blob/"] = m.blobHTTP
	}
	var txlog sealing.Log
	if m.Log != nil {
		mounts["GET "+translog.PublicPath] = m.Log.Handler(translog.PublicPath)
		txlog = m.Log
	}
	return server.Config{
		Logger: m.Logger, Registry: m.Registry, Checks: checks, Mounts: mounts, PublicURL: m.Config.PublicURL,
		TrustedProxies: m.Config.TrustedProxies, MetricsToken: m.Config.MetricsToken,
		Store: m.DB, Blobs: m.Blobs.Working, Archive: m.Blobs.Archive, Sealer: m.Sealer, Operator: m.operator(),
		TSA: tsa.New(m.Config.TSAURLs, nil, 0), Log: txlog,
		Recordings: m.Recorder, RecordingActive: m.Recorder.Active, Renderer: m.Renderer,
		Keys: m.Keys, KeyDir: m.keyDir(), Issuer: m.Issuer, Verifier: m.Verifier,
		Ceremony:       ceremonyEvents{hub: m.Hub},
		Roster:         ceremonyEvents{hub: m.Hub}.Roster,
		MaxUploadBytes: m.Config.MaxUploadBytes, StaffTokenTTL: m.Config.StaffTokenTTL,
		TempDir: filepath.Join(m.Config.DataDir, "tmp"), URLSecret: m.urlKey, Fixity: m.fixity(),
	}
}

// keyDir is the data directory whose keys/ hold the token keys, or "" when they come from
// $SIGNROOM_TOKEN_KEYS (and so cannot be rotated from the admin API).
func (m *Main) keyDir() string {
	if m.Config.TokenKeysPEM != "" {
		return ""
	}
	return m.Config.DataDir
}

// openAuth loads the token-signing keys from $SIGNROOM_TOKEN_KEYS, or from DATA-DIR/keys
// (creating one at first start).
func (m *Main) openAuth() error {
	var keys *auth.KeyRing
	var err error
	if m.Config.TokenKeysPEM != "" {
		keys, err = keyRingFromPEM([]byte(m.Config.TokenKeysPEM))
	} else {
		keys, err = auth.LoadOrCreateKeyRing(m.Config.DataDir)
	}
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	m.Keys = keys
	m.Issuer = auth.NewIssuer(keys, m.Config.PublicURL, nil)
	m.Verifier = auth.NewVerifier(keys, m.Config.PublicURL, m.DB, nil)
	return nil
}

// keyRingFromPEM reads every PEM block of data as an Ed25519 key; the first one signs.
func keyRingFromPEM(data []byte) (*auth.KeyRing, error) {
	var keys []ed25519.PrivateKey
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			break
		}
		key, err := auth.ParsePrivateKeyPEM(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("$SIGNROOM_TOKEN_KEYS key %d: %w", len(keys)+1, err)
		}
		keys = append(keys, key)
		data = rest
	}
	if len(keys) == 0 {
		return nil, errors.New("$SIGNROOM_TOKEN_KEYS holds no PEM block")
	}
	return auth.NewKeyRing(keys...)
}

// openLog opens the transparency log in DATA-DIR/log, its key in DATA-DIR/seal (made at
// first start, named after the public URL).
func (m *Main) openLog(ctx context.Context) error {
	key, err := translog.LoadOrCreateKey(filepath.Join(m.Config.DataDir, "seal"), translog.OriginFor(m.Config.PublicURL))
	if err != nil {
		return err
	}
	l, err := translog.Open(ctx, translog.Config{Dir: filepath.Join(m.Config.DataDir, "log"), Key: key, Logger: m.Logger})
	if err != nil {
		return err
	}
	m.Log = l
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return l.Close(ctx)
	})
	return nil
}

// openSealer loads the seal certificate and key from PEM or PKCS#12, or loads (creating at
// first start) a self-signed one kept in DATA-DIR/seal.
func (m *Main) openSealer(ctx context.Context) error {
	sc := m.Config.Seal
	var err error
	switch {
	case sc.PKCS12File != "":
		var data []byte
		if data, err = os.ReadFile(sc.PKCS12File); err == nil {
			m.Sealer, err = evidence.LoadSealerPKCS12(data, sc.PKCS12Password)
		}
	case sc.CertFile != "":
		var cert []byte
		if cert, err = os.ReadFile(sc.CertFile); err == nil {
			m.Sealer, err = evidence.LoadSealerPEM(cert, []byte(sc.KeyPEM))
		}
	default:
		subj := evidence.SealSubject{CommonName: sc.Name, Operator: m.operator(), PublicURL: m.Config.PublicURL}
		m.Sealer, err = evidence.LoadOrCreateSealer(filepath.Join(m.Config.DataDir, "seal"), subj)
	}
	if err != nil {
		return fmt.Errorf("load seal certificate: %w", err)
	}
	// Published at evidence.SealListPath from now on, with any certificate it replaces.
	return m.DB.UseSealCert(ctx, evidence.CertFingerprint(m.Sealer.Cert), string(evidence.CertPEM(m.Sealer.Cert)), time.Now())
}

// operator is --operator, or the public URL's host.
func (m *Main) operator() string {
	if m.Config.Seal.Operator != "" {
		return m.Config.Seal.Operator
	}
	if u, err := url.Parse(m.Config.PublicURL); err == nil && u.Host != "" {
		return u.Host
	}
	return m.Config.PublicURL
}

// openHub starts the ceremony SFU and its shared ICE sockets.
func (m *Main) openHub() error {
	mc := m.Config.Media
	var ice []webrtc.ICEServer
	if len(mc.ICEServers) > 0 {
		ice = []webrtc.ICEServer{{URLs: mc.ICEServers, Username: mc.TURNUsername, Credential: mc.TURNPassword}}
	}
	turnFor, err := m.openTURN()
	if err != nil {
		return err
	}
	hub, err := signaling.NewHub(signaling.Config{ICEServersFor: turnFor,
		ICEUDPPort: int(mc.ICEUDPPort), ICETCPPort: int(mc.ICETCPPort), ICEAddr: mc.ICEAddr, PublicIPs: mc.PublicIPs,
		ICEServers: ice, MaxRoomSize: int(mc.MaxRoomSize), Logger: m.Logger.With("component", "sfu"),
		Registerer: m.Registry, OriginPatterns: mc.AllowedOrigins, LoopbackOnly: m.loopbackMedia,
		Candidates: signaling.CandidatePolicy{DenyPrivate: mc.ICEDenyPrivate, AllowMDNS: mc.ICEAllowMDNS, Deny: mc.ICEDeny},
		Sink:       newRecordingSink(m.Recorder, m.DB),
		Audit:      roomAudit{store: m.DB, log: m.Logger},
	}, admitter{verifier: m.Verifier, store: m.DB})
	if err != nil {
		return fmt.Errorf("start media server: %w", err)
	}
	m.Hub = hub
	m.closers = append(m.closers, hub.Close)
	if m.TURN != nil {
		m.TURN.SetPeers(sfuAddrs(hub), publicAddrs(mc.PublicIPs))
	}
	if ip := net.ParseIP(mc.ICEAddr); ip != nil && ip.IsLoopback() && !m.loopbackMedia {
		for _, p := range mc.PublicIPs {
			if pip := net.ParseIP(p); pip != nil && !pip.IsLoopback() {
				m.Logger.Warn("media sockets bound to loopback but a public IP is announced: only this host can reach them; set --ice-addr",
					"ice_addr", mc.ICEAddr, "public_ip", p)
				break
			}
		}
	}
	return nil
}

// Addr is the address the service listens on, with the real port when the configured one was 0.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Run serves HTTP until ctx is cancelled, then shuts down gracefully: it stops accepting,
// waits up to the shutdown timeout for requests in flight, and returns.
func (m *Main) Run(ctx context.Context) error {
	if err := m.startDebug(ctx); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- m.HTTP.Serve(m.listener) }()
	housekeeping := make(chan struct{})
	go func() { defer close(housekeeping); m.housekeep(ctx, time.Hour) }()
	defer func() { <-housekeeping }()
	autoClose := make(chan struct{})
	go func() {
		defer close(autoClose)
		m.Sealing.AutoClose(ctx, sealing.Auto{Presence: ceremonyEvents{m.Hub}, EmptyFor: m.Config.CloseWhenEmpty, AfterLast: m.Config.CloseAfter})
	}()
	defer func() { <-autoClose }()
	stamps := make(chan struct{})
	go func() { defer close(stamps); m.Sealing.RunTimestamps(ctx, 0) }()
	defer func() { <-stamps }()
	fixity := make(chan struct{})
	go func() {
		defer close(fixity)
		if m.Config.FixityInterval > 0 {
			m.fixity().RunEvery(ctx, m.Config.FixityInterval)
		}
	}()
	defer func() { <-fixity }()
	keyWatch := make(chan struct{})
	go func() { defer close(keyWatch); m.watchKeys(ctx) }()
	defer func() { <-keyWatch }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down", "timeout", m.Config.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	if err := m.HTTP.Shutdown(sctx); err != nil {
		// Requests still running (a slow upload) are cut; their handlers see a cancelled
		// context and the blob store discards what they had written.
		m.Logger.Warn("shutdown timeout reached; closing remaining connections", "err", err)
		m.HTTP.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// housekeep prunes, every interval until ctx ends, revocations of tokens that expired more
// than pruneMargin ago (verification allows a little clock leeway past exp, so a revocation
// must outlive its token by more than that) and signing nonces that expired as long ago.
func (m *Main) housekeep(ctx context.Context, every time.Duration) {
	const pruneMargin = 10 * time.Minute
	periodic.Run(ctx, every, true, func(ctx context.Context) {
		cutoff := time.Now().Add(-pruneMargin)
		m.prune(ctx, "expired revocations", func() (int64, error) { return m.DB.PruneRevoked(ctx, cutoff) })
		m.prune(ctx, "expired signing nonces", func() (int64, error) { return m.DB.PruneNonces(ctx, cutoff) })
	})
}

func (m *Main) prune(ctx context.Context, what string, fn func() (int64, error)) {
	n, err := fn()
	switch {
	case err != nil && ctx.Err() == nil:
		m.Logger.Warn("prune "+what, "err", err)
	case n > 0:
		m.Logger.Info("pruned "+what, "count", n)
	}
}

// Close releases everything Open acquired, in reverse order.
func (m *Main) Close() error {
	var errs []error
	if m.listener != nil && m.HTTP == nil {
		errs = append(errs, m.listener.Close())
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}
