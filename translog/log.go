package translog

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"

	"github.com/signroom/signroom/evidence"
)

// PublicPath is where signroom serve mounts the log: <public URL>/log/checkpoint and
// <public URL>/log/tile/...
const PublicPath = "/log/"

// Default intervals: entries are batched for at most BatchAge, and a checkpoint is
// published at most every CheckpointInterval, so an Append waits about their sum.
const (
	DefaultBatchAge           = 50 * time.Millisecond
	DefaultCheckpointInterval = 200 * time.Millisecond
)

// Config is what Open needs.
type Config struct {
	Dir                string // the POSIX storage directory (created if missing)
	Key                Key
	Logger             *slog.Logger
	BatchAge           time.Duration // 0: DefaultBatchAge
	CheckpointInterval time.Duration // 0: DefaultCheckpointInterval (at least 100 ms)
}

// Log is an open transparency log. It owns Tessera's background work, which ends at Close.
type Log struct {
	dir     string
	key     Key
	add     func(ctx context.Context, e *tessera.Entry) tessera.IndexFuture
	reader  tessera.LogReader
	awaiter *tessera.PublicationAwaiter
	stop    func(ctx context.Context) error
	cancel  context.CancelFunc
	log     *slog.Logger
}

// Open opens (creating at first use) the log in cfg.Dir. Close it when done.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	routeKlog(cfg.Logger)
	if cfg.BatchAge <= 0 {
		cfg.BatchAge = DefaultBatchAge
	}
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	// Tessera's integration and publication run until Close, not until ctx ends.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	driver, err := posix.New(bg, posix.Config{Path: cfg.Dir})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open transparency log %s: %w", cfg.Dir, err)
	}
	opts := tessera.NewAppendOptions().WithCheckpointSigner(cfg.Key.Signer).
		WithBatching(64, cfg.BatchAge).WithCheckpointInterval(cfg.CheckpointInterval)
	app, shutdown, reader, err := tessera.NewAppender(bg, driver, opts)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open transparency log %s: %w", cfg.Dir, err)
	}
	l := &Log{dir: cfg.Dir, key: cfg.Key, add: app.Add, reader: reader, stop: shutdown, cancel: cancel, log: cfg.Logger,
		awaiter: tessera.NewPublicationAwaiter(bg, reader.ReadCheckpoint, cfg.CheckpointInterval/2)}
	return l, nil
}

// Key returns the log's key.
func (l *Log) Key() Key { return l.key }

// Append adds a sealed manifest's SHA-256 to the log, waits until a published checkpoint
// commits to it, and returns the c2sp.org/tlog-proof@v1 inclusion proof against that
// checkpoint (verified before it is returned).
func (l *Log) Append(ctx context.Context, manifestSHA256 []byte) ([]byte, error) {
	if len(manifestSHA256) != sha256.Size {
		return nil, fmt.Errorf("log append: entry of %d bytes, want a SHA-256", len(manifestSHA256))
	}
	idx, signed, err := l.awaiter.Await(ctx, l.add(ctx, tessera.NewEntry(manifestSHA256)))
	if err != nil {
		return nil, fmt.Errorf("log append: %w", err)
	}
	proof, err := l.prove(ctx, idx.Index, signed, manifestSHA256)
	if err != nil {
		return nil, fmt.Errorf("log append: entry %d: %w", idx.Index, err)
	}
	l.log.Info("sealed manifest logged", "index", idx.Index, "duplicate", idx.IsDup)
	return proof, nil
}

// prove builds and checks the inclusion proof of entry index in the signed checkpoint.
func (l *Log) prove(ctx context.Context, index uint64, signed, entry []byte) ([]byte, error) {
	verifier, err := evidence.ParseLogKey(l.key.Public)
	if err != nil {
		return nil, err
	}
	cp, err := evidence.OpenCheckpoint(signed, verifier)
	if err != nil {
		return nil, err
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, l.reader.ReadTile)
	if err != nil {
		return nil, err
	}
	hashes, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, err
	}
	p := evidence.LogProof{Index: index, Hashes: hashes, Checkpoint: signed}
	if err := p.VerifyInclusion(entry, cp); err != nil {
		return nil, err
	}
	return p.Marshal(), nil
}

// Checkpoint returns the latest published signed checkpoint.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	return l.reader.ReadCheckpoint(ctx)
}

// Close publishes what was appended and stops the log's background work.
func (l *Log) Close(ctx context.Context) error {
	err := l.stop(ctx)
	l.cancel()
	return err
}
