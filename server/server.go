// Package server is Signroom's HTTP API: routes on a standard http.ServeMux, middleware for
// request logs, panics, metrics, security headers and token checks, request validation at the
// edge, one mapping from domain errors to status codes and JSON bodies, and the OpenAPI
// document that describes every route (openapi.yaml, served at /api/openapi.yaml).
//
// # Access
//
// Every route is in one route table (routes.go) with the access it needs. Staff send an
// access token (aud signroom-api); the account is then loaded, so a disabled account or a
// removed role takes effect at once, whatever the token says. Organizers manage their own
// agreements, legal staff read every agreement, archivists read sealed ones, admins manage
// accounts and nothing else unless they hold another role. Invitation holders send their
// invitation token (aud signroom-join) to the /api/join routes only, and reach only the
// agreement the token names; an invitation the store does not know, or has revoked, is
// refused. Refusals are 401 (no or bad token, with the reason) or 403 (no right).
// Legal staff verify uploaded bundles and sealed PDFs (POST /api/verify).
//
// # Signing and sealing
//
// A signatory's (or witness's) browser registers its EC P-256 public JWK once (POST
// /api/join/key; the organizer can reset it), reads the statement, takes a single-use nonce
// bound to the audit head (POST /api/join/nonce) and posts an ES256 JWS of the statement
// (POST /api/join/signature). The server verifies the JWS with the registered key, checks
// every claim against the agreement, the nonce, the signing order, the state and that the
// signer is in the live ceremony (Ceremony.Connected), and records the signature with its
// audit event in one transaction. After the last signatory's signature every venue hears
// "signatures.complete" and the ceremony goes on; it closes when the host (POST
// /api/join/close) or the organizer (POST /api/agreements/{id}/close) closes it, or by
// itself (sealing.Service.AutoClose). Package sealing then records "ceremony.closed",
// finishes the recordings and seals (the sealed PDF, signed manifest and evidence bundle
// are built, staged, archived under COMPLIANCE retention, and the agreement becomes sealed
// with the audit event "agreement.sealed"); this package only announces it to the ceremony.
package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/readyboard"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/sealing"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/tsa"
)

// Checker is a dependency whose health /readyz reports, such as the database or a blob store.
type Checker interface {
	Ping(ctx context.Context) error
}

// Store is the metadata the API reads and writes; storage/sqlite.DB implements it. Missing
// records give agreement.ErrNotFound, taken usernames agreement.ErrConflict.
type Store interface {
	CreateUser(ctx context.Context, u agreement.User) (agreement.User, error)
	UserByUsername(ctx context.Context, username string) (agreement.User, error)
	UserByID(ctx context.Context, id string) (agreement.User, error)
	ListUsers(ctx context.Context) ([]agreement.User, error)
	UpdateUser(ctx context.Context, id string, fn func(*agreement.User) error) (agreement.User, error)

	CreateAgreement(ctx context.Context, a *agreement.Agreement, events []agreement.AuditEntry) error
	Agreement(ctx context.Context, id string) (*agreement.Agreement, error)
	ListAgreements(ctx context.Context, f agreement.ListFilter) ([]*agreement.Agreement, error)
	// UpdateAgreement runs fn and writes what it recorded in one transaction.
	UpdateAgreement(ctx context.Context, id string, fn func(*agreement.Edit) error) (*agreement.Agreement, error)

	Invitations(ctx context.Context, agreementID string) ([]agreement.Invitation, error)
	Invitation(ctx context.Context, jti string) (agreement.Invitation, error)
	RevokeToken(ctx context.Context, jti string, expiresAt time.Time) error
	AuditEvents(ctx context.Context, agreementID string) ([]signatures.Event, error)
	AppendAudit(ctx context.Context, agreementID string, e agreement.AuditEntry) (signatures.Event, error)
	AuditHead(ctx context.Context, agreementID string) (string, error)

	SigningStore
	archive.Index     // search
	archive.HoldStore // legal holds
	// LastFixity is the latest fixity run and the alerts it raised on the record.
	LastFixity(ctx context.Context, agreementID string) (archive.FixityRun, []archive.Problem, error)
}

// SigningStore keeps signer keys, nonces, signatures and seal records; storage/sqlite.DB
// implements it. Each method that takes a check or fn runs it inside the transaction that
// writes, on the agreement as stored then; an error from it changes nothing.
type SigningStore interface {
	SignerKey(ctx context.Context, agreementID, participantID string) (agreement.SignerKey, error)
	// RegisterSignerKey gives agreement.ErrConflict when the participant has a bound key.
	RegisterSignerKey(ctx context.Context, k *agreement.SignerKey, check func(*agreement.Agreement) error, ev agreement.AuditEntry) error
	// ResetSignerKey gives agreement.ErrNotFound when the participant has no bound key.
	ResetSignerKey(ctx context.Context, agreementID, participantID string, check func(*agreement.Agreement) error, ev func(agreement.SignerKey) agreement.AuditEntry) error
	IssueNonce(ctx context.Context, n agreement.Nonce) error
	// AddSignature consumes the nonce and records the signature fn returns with its events;
	// a used nonce or a second signature of a participant gives agreement.ErrConflict.
	AddSignature(ctx context.Context, agreementID, nonceHash string, fn func(agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error)) (agreement.Signature, []signatures.Event, error)
	Signatures(ctx context.Context, agreementID string) ([]agreement.Signature, error)
	// SealCerts lists every seal certificate used, with the seals made with each.
	SealCerts(ctx context.Context) ([]agreement.SealCert, error)
	// The seal records and the recordings' catalog, as the sealing service keeps them.
	sealing.Store
}

// Ceremony is the live ceremony hub, told about state changes, signatures and revoked
// invitations so it can push them to connected clients and disconnect revoked ones. Events
// given to Broadcast have an EventName() string method naming them on the wire.
type Ceremony interface {
	Broadcast(agreementID string, ev any)
	Revoke(agreementID, tokenID string)
	// Connected reports whether the participant is in the live ceremony now. Signing needs it;
	// without a Ceremony in Config nobody is connected and nobody can sign.
	Connected(agreementID, participantID string) bool
	// End closes the agreement's live room, saying goodbye with reason (e.g. "sealed").
	End(agreementID, reason string)
}

// Defaults for the optional Config fields.
const (
	DefaultMaxUploadBytes = 64 << 20
	DefaultStaffTokenTTL  = 8 * time.Hour
	DefaultInvitationTTL  = 30 * 24 * time.Hour
	MaxJSONBytes          = 1 << 20
	DefaultMaxVerifyBytes = 512 << 20
	// DefaultMaxVerifications bounds POST /api/verify: each may hold about twice
	// evidence.ServiceLimits().MaxMemoryFile (see docs/benchmarks.md).
	DefaultMaxVerifications = 2
	// MaxUploads bounds document uploads in progress; each holds one part buffer of the blob
	// store and, while its PDF is inspected (two at a time), pdfcheck's limits.
	MaxUploads = 4
	gateWait   = 3 * time.Second
)

// Config is what the server needs from the outside world. Store, Blobs, Keys, Issuer and
// Verifier are required for the API routes; the Verifier should be built with the Store's
// IsRevoked as its auth.Revocations.
type Config struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics registry (GET /metrics, see MetricsToken); never the global default
	// Checks are named dependencies probed by /readyz, in order.
	Checks []NamedCheck
	// Mounts are extra handlers (blob download URLs, the ceremony WebSocket) keyed by a
	// ServeMux pattern.
	Mounts map[string]http.Handler
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client, for the
	// login limiter and the request log. Empty: the connection's peer is the client.
	TrustedProxies []netip.Prefix
	// PublicURL is where users reach the service (no trailing slash); invitation links
	// start with it. Empty gives links relative to the site root.
	PublicURL string
	// MetricsToken, when set, opens GET /metrics on this handler to callers that send it as
	// a bearer token; unset, the route answers 404 (serve the Registry on an operator's
	// listener instead).
	MetricsToken string

	Store Store
	Blobs blob.Store // the working bucket: uploaded documents
	Keys  *auth.KeyRing
	// KeyDir is the data directory whose keys/ the admin API rotates (POST
	// /api/admin/token-keys/rotate); "" when the keys come from the environment.
	KeyDir   string
	Issuer   *auth.Issuer
	Verifier *auth.Verifier
	Limiter  *auth.LoginLimiter // nil: auth.DefaultLimiterConfig
	Ceremony Ceremony           // nil: no live hub, and so no signing
	Archive  blob.Store         // the archive bucket: sealed evidence under COMPLIANCE retention
	Sealer   *evidence.Sealer   // the service's seal key and certificate
	TSA      *tsa.Client        // time-stamps seals (see sealing.Config.TSA); nil: none
	Log      sealing.Log        // the transparency log of sealed manifests; nil: none
	// Recordings, when set, are finished before a closed ceremony is sealed; a close waits
	// at most RecordingWait for them (0: sealing.DefaultRecordingWait), then answers 503
	// recordings_pending and the automatic close seals once they are in.
	Recordings    sealing.Recordings
	RecordingWait time.Duration
	// RecordingActive reports whether an agreement's ceremony is being recorded now (GET
	// /api/join); nil: never.
	RecordingActive func(agreementID string) bool
	// Roster lists who is in an agreement's live room now, for the readiness board (GET
	// /api/agreements/{id}/readiness); nil: nobody ever is.
	Roster func(agreementID string) []readyboard.Presence
	// Operator names who runs this installation, in the published seal certificate list.
	Operator string

	// Renderer renders every uploaded PDF's pages to images and text (docpages), kept in
	// Blobs beside the PDF; a PDF it cannot render is refused. nil: uploads are refused
	// with 503 renderer_unavailable. RenderDPI is recorded in the page lists (0:
	// render.DefaultDPI; set it to the renderer's).
	Renderer  docpages.Renderer
	RenderDPI int

	MaxUploadBytes int64         // largest PDF upload; 0: DefaultMaxUploadBytes
	StaffTokenTTL  time.Duration // 0: DefaultStaffTokenTTL
	InvitationTTL  time.Duration // 0: DefaultInvitationTTL
	// PasswordParams hash passwords set through the API and the dummy hash that keeps
	// unknown-user logins as slow as real ones; nil: auth.DefaultArgon2Params.
	PasswordParams *auth.Argon2Params
	MaxVerifyBytes int64 // largest file POST /api/verify accepts; 0: DefaultMaxVerifyBytes
	// MaxVerifications is how many POST /api/verify run at once (0: DefaultMaxVerifications);
	// a request that finds none free within a few seconds gets 503 busy.
	MaxVerifications int
	VerifyLimits     *evidence.Limits // limits of one verification; nil: evidence.ServiceLimits
	TempDir          string           // for checking uploaded PDFs and files to verify; "": os.TempDir
	// Fixity raises a mismatch an export finds as a fixity alert on the record; nil: the
	// export only stops.
	Fixity *archive.Fixity
	// URLSecret is the service's URL-signing secret; the media URLs of recording playback are
	// signed with a key derived from it. nil: a random one, so media URLs do not outlive the
	// process (nor work across several).
	URLSecret []byte
	Now       func() time.Time // clock; nil: time.Now
}

// NamedCheck names a Checker for /readyz.
type NamedCheck struct {
	Name    string
	Checker Checker
}

// Server holds the routes and their dependencies.
type Server struct {
	cfg       Config
	log       *slog.Logger
	mux       *http.ServeMux
	metrics   *httpMetrics
	validate  *validator.Validate
	dummyHash string
	passwords passwordGate
	pdfs      *pdfChecker
	pages     *docpages.Store // nil without a Renderer
	sealing   *sealing.Service
	verifies  *gate
	uploads   *gate
	integrity *prometheus.CounterVec
	lobby     *readyboard.Lobby // when each invitation page last asked (GET /api/join)
	alerted   sync.Map          // archive integrity alerts already raised, so each is raised once
	holds     *archive.Holds    // legal holds and disposal of sealed records
	records   *archive.Records  // record pages, playback and export
	media     *archive.MediaSigner
}

// New builds a Server and registers its routes.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: newHTTPMetrics(cfg.Registry),
		validate: newValidator(), pdfs: newPDFChecker(cfg.TempDir), passwords: make(passwordGate, passwordSlots),
		integrity: newIntegrityCounter(cfg.Registry), verifies: newGate(cfg.MaxVerifications, gateWait, "verifications"),
		uploads: newGate(MaxUploads, gateWait, "uploads"), lobby: readyboard.NewLobby()}
	s.sealing = sealing.New(sealing.Config{Store: cfg.Store, Working: cfg.Blobs, Archive: cfg.Archive, Sealer: cfg.Sealer,
		Logger: cfg.Logger, Recordings: cfg.Recordings, RecordingWait: cfg.RecordingWait, Closing: s.announceClosing, Announce: s.announceSealed, Now: cfg.Now,
		TSA: cfg.TSA, Log: cfg.Log})
	s.holds = &archive.Holds{Store: cfg.Store, Archive: cfg.Archive, Now: cfg.Now}
	s.records = &archive.Records{Store: cfg.Store, Archive: cfg.Archive, Fixity: cfg.Fixity}
	s.media = archive.NewMediaSigner(cfg.URLSecret, cfg.Now)
	if cfg.Renderer != nil {
		s.pages = docpages.New(cfg.Blobs, cfg.Renderer, cfg.RenderDPI)
	}
	s.dummyHash = s.makeDummyHash()
	s.registerRoutes()
	return s
}

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Limiter == nil {
		cfg.Limiter = auth.NewLoginLimiter(auth.DefaultLimiterConfig())
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.StaffTokenTTL <= 0 {
		cfg.StaffTokenTTL = DefaultStaffTokenTTL
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = DefaultInvitationTTL
	}
	if cfg.PasswordParams == nil {
		p := auth.DefaultArgon2Params()
		cfg.PasswordParams = &p
	}
	if cfg.MaxVerifyBytes <= 0 {
		cfg.MaxVerifyBytes = DefaultMaxVerifyBytes
	}
	if cfg.MaxVerifications <= 0 {
		cfg.MaxVerifications = DefaultMaxVerifications
	}
	if cfg.VerifyLimits == nil {
		lim := evidence.ServiceLimits()
		cfg.VerifyLimits = &lim
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RenderDPI <= 0 {
		cfg.RenderDPI = render.DefaultDPI
	}
	if len(cfg.URLSecret) == 0 {
		cfg.URLSecret = make([]byte, 32)
		_, _ = rand.Read(cfg.URLSecret) // crypto/rand.Read never fails
	}
	return cfg
}

func (s *Server) makeDummyHash() string {
	h, err := auth.HashPasswordWith("signroom-dummy-password-for-timing", *s.cfg.PasswordParams)
	if err != nil {
		s.log.Error("dummy password hash", "err", err)
	}
	return h
}

// Handler returns the server's root handler with its middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverPanics(s.logRequests(securityHeaders(paceBodies(s.jsonErrors(s.mux)))))
}

// HTTPServer wraps h in an http.Server with timeouts suited to an API that also streams
// uploads: headers within 10 s, idle keep-alive connections closed after 120 s; bodies are
// paced by the handler (MinBodyRate after a grace period), not capped in total, so a large
// upload on a slow link is never cut while a trickling client is.
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
