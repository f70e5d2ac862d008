package sealing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/tsa"
)

// Errors of Seal and Close.
var (
	// ErrUnavailable: the service has no archive store or no seal key.
	ErrUnavailable = errors.New("sealing is not configured (no archive store or seal key)")
	// ErrSignaturesMissing: a signatory has not signed yet.
	ErrSignaturesMissing = errors.New("signatories have not signed")
)

// StateError says the agreement is not in a state the operation accepts.
type StateError struct {
	State agreement.State
	Msg   string
}

func (e *StateError) Error() string { return "agreement is " + string(e.State) + "; " + e.Msg }

// Store is the metadata sealing reads and writes; storage/sqlite.DB implements it.
type Store interface {
	Agreement(ctx context.Context, id string) (*agreement.Agreement, error)
	Signatures(ctx context.Context, agreementID string) ([]agreement.Signature, error)
	ListAgreements(ctx context.Context, f agreement.ListFilter) ([]*agreement.Agreement, error)
	AuditEvents(ctx context.Context, agreementID string) ([]signatures.Event, error)
	AppendAudit(ctx context.Context, agreementID string, e agreement.AuditEntry) (signatures.Event, error)
	// StageSeal gives agreement.ErrConflict when the agreement has a seal record.
	StageSeal(ctx context.Context, s agreement.Seal) error
	Seal(ctx context.Context, agreementID string) (agreement.Seal, error)
	// RecordSealArtifacts replaces a staged seal's artifacts (with their archive versions);
	// agreement.ErrConflict when the seal is not staged.
	RecordSealArtifacts(ctx context.Context, agreementID string, arts []agreement.Artifact) error
	// Recordings lists the agreement's recorded segments in the order they started;
	// SaveRecording updates one.
	Recordings(ctx context.Context, agreementID string) ([]agreement.Recording, error)
	SaveRecording(ctx context.Context, r agreement.Recording) error
	// FinishSeal marks the staged seal done and applies fn, atomically.
	FinishSeal(ctx context.Context, agreementID string, fn func(*agreement.Edit) error) (*agreement.Agreement, error)
}

// Sealed is what the Announce hook is told once an agreement is sealed: the agreement and
// its seal record. (Invitations are not revoked at sealing; see finish.)
type Sealed struct {
	Agreement *agreement.Agreement
	Seal      agreement.Seal
}

// Config is what a Service needs.
type Config struct {
	Store   Store
	Working blob.Store       // the working bucket: documents, stills, staged artifacts
	Archive blob.Store       // the archive bucket; nil: sealing is unavailable
	Sealer  *evidence.Sealer // the service's seal key; nil: sealing is unavailable
	Logger  *slog.Logger
	// Recordings, when set, is finished before a closed ceremony is sealed; Close waits
	// at most RecordingWait for it (0: DefaultRecordingWait).
	Recordings    Recordings
	RecordingWait time.Duration
	// Closing, when set, is called once when a ceremony closes, before its recordings are
	// finished (to tell the room); Announce after it is sealed.
	Closing  func(agreementID, reason string)
	Announce func(Sealed)
	Now      func() time.Time // default time.Now
	// TSA, when configured, time-stamps each seal: the manifest (a token archived and put in
	// the bundle) and the PDF signature (PAdES B-T). Sealing never waits on it: if no TSA
	// answers, the record seals without, and AddTimestamps adds the manifest's token later.
	TSA *tsa.Client
	// Log, when set, is the transparency log each sealed manifest is appended to; its
	// inclusion proof goes into the bundle (tlog-proof.txt). A seal whose append fails
	// fails, and is retried like any other.
	Log Log
}

// Log is a transparency log of sealed manifests (translog.Log implements it).
type Log interface {
	// Append adds the manifest's SHA-256 and returns its c2sp.org/tlog-proof@v1 inclusion
	// proof against a signed checkpoint that commits to it.
	Append(ctx context.Context, manifestSHA256 []byte) ([]byte, error)
}

// DefaultRecordingWait is how long Close waits for the recordings by default.
const DefaultRecordingWait = 30 * time.Second

// Service seals agreements.
type Service struct {
	cfg Config
	log *slog.Logger
	mu  sync.Mutex // one sealing at a time: staging and archiving are not raced
	// stamps are the sealed agreements whose manifest awaits a time-stamp.
	stamps  pendingSet
	stampMu sync.Mutex // one AddTimestamps at a time
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RecordingWait <= 0 {
		cfg.RecordingWait = DefaultRecordingWait
	}
	return &Service{cfg: cfg, log: cfg.Logger}
}

// Available reports whether the service can seal (an archive and a seal key are set).
func (s *Service) Available() bool { return s.cfg.Archive != nil && s.cfg.Sealer != nil }

// Seal seals an agreement in signing whose signatories have all signed, or finishes an
// interrupted seal (see the package documentation).
func (s *Service) Seal(ctx context.Context, id string) (*agreement.Agreement, error) {
	if !s.Available() {
		return nil, ErrUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.cfg.Store.Agreement(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != agreement.StateSigning {
		return nil, &StateError{State: a.State, Msg: "only an agreement in signing can be sealed"}
	}
	rec, err := s.cfg.Store.Seal(ctx, id)
	if errors.Is(err, agreement.ErrNotFound) {
		rec, err = s.stage(ctx, a)
	}
	if err != nil {
		return nil, err
	}
	if err := s.archive(ctx, &rec); err != nil {
		return nil, err
	}
	sealed, err := s.finish(ctx, a.ID, rec)
	if err == nil {
		s.removeStaging(ctx, rec)
		s.removeWorkingRecordings(ctx, a.ID)
	}
	return sealed, err
}

// Remaining counts the signatories of a without a signature among sigs.
func Remaining(a *agreement.Agreement, sigs []agreement.Signature) int {
	signed := map[string]bool{}
	for _, sg := range sigs {
		signed[sg.ParticipantID] = true
	}
	return a.Unsigned(func(id string) bool { return signed[id] })
}

func missing(n int) error { return fmt.Errorf("%d %w", n, ErrSignaturesMissing) }
