package blob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// MinIOConfig configures NewMinIO.
type MinIOConfig struct {
	Endpoint             string // host:port
	AccessKey, SecretKey string
	UseTLS               bool
	Region               string
	WorkingBucket        string
	ArchiveBucket        string // created with object locking if absent
	// PartSize is the multipart part size and the size of the one buffer
	// each upload holds; default 16 MiB, at least 5 MiB, at most 5 GiB.
	// An object is capped at PartSize × 10,000 bytes.
	PartSize uint64
}

// Part size limits.
const (
	DefaultPartSize = 16 << 20
	MinPartSize     = 5 << 20
	maxPartSize     = 5 << 30
	maxParts        = 10000
	copyPartSize    = 1 << 30 // server-side copy chunk, within S3's 5 GiB
	stagingPrefix   = ".signroom-staging/"
	staleAfter      = 24 * time.Hour
	cleanupTimeout  = 30 * time.Second
	metaSHA256      = "Signroom-Sha256" // user metadata key (x-amz-meta-signroom-sha256)
)

// minioStore is one bucket on an S3-compatible server.
type minioStore struct {
	core     *minio.Core
	bucket   string
	locking  bool
	staging  string // bucket that holds staging objects (the working bucket)
	partSize int64
	bufs     *sync.Pool // *[]byte of partSize, shared by both stores
	logger   *slog.Logger
}

// NewMinIO connects to the server, creates missing buckets (the archive
// bucket with object locking), refuses an archive bucket without object
// locking, and removes staging objects and incomplete uploads older than a
// day. The returned stores are safe for concurrent use.
func NewMinIO(ctx context.Context, cfg MinIOConfig, logger *slog.Logger) (Buckets, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.check(); err != nil {
		return Buckets{}, err
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return Buckets{}, fmt.Errorf("minio client: %w", err)
	}
	core := &minio.Core{Client: client}
	if err := ensureBucket(ctx, client, cfg.WorkingBucket, cfg.Region, false); err != nil {
		return Buckets{}, err
	}
	if err := ensureBucket(ctx, client, cfg.ArchiveBucket, cfg.Region, true); err != nil {
		return Buckets{}, err
	}
	size := int64(cfg.PartSize)
	pool := &sync.Pool{New: func() any { b := make([]byte, size); return &b }}
	mk := func(bucket string, locking bool) *minioStore {
		return &minioStore{core: core, bucket: bucket, locking: locking, staging: cfg.WorkingBucket,
			partSize: size, bufs: pool, logger: logger}
	}
	working, archive := mk(cfg.WorkingBucket, false), mk(cfg.ArchiveBucket, true)
	working.sweep(ctx, stagingPrefix)
	archive.sweep(ctx, "")
	return Buckets{Working: working, Archive: archive}, nil
}

// check validates the configuration and fills in the default part size.
func (cfg *MinIOConfig) check() error {
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	switch {
	case cfg.Endpoint == "":
		return errors.New("minio: endpoint is required")
	case cfg.WorkingBucket == "" || cfg.ArchiveBucket == "":
		return errors.New("minio: working and archive bucket names are required")
	case cfg.WorkingBucket == cfg.ArchiveBucket:
		return errors.New("minio: working and archive buckets must differ")
	case cfg.PartSize < MinPartSize || cfg.PartSize > maxPartSize:
		return fmt.Errorf("minio: part size %d outside %d..%d", cfg.PartSize, MinPartSize, maxPartSize)
	}
	return nil
}

// ensureBucket creates bucket if absent; with locking it must have object
// locking enabled, which S3 only allows when a bucket is created.
func ensureBucket(ctx context.Context, client *minio.Client, bucket, region string, locking bool) error {
	exists, err := client.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("minio: check bucket %s: %w", bucket, err)
	}
	if !exists {
		err := client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: region, ObjectLocking: locking})
		code := minio.ToErrorResponse(err).Code
		if err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return fmt.Errorf("minio: create bucket %s: %w", bucket, err)
		}
	}
	if !locking {
		return nil
	}
	status, _, _, _, err := client.GetObjectLockConfig(ctx, bucket)
	if err != nil || status != "Enabled" {
		return fmt.Errorf("minio: archive bucket %s has no object locking (%v); object locking can only be "+
			"enabled when a bucket is created, so configure a new archive bucket name and Signroom creates it with locking", bucket, err)
	}
	return nil
}

// sweep removes staging objects and aborts incomplete uploads older than a
// day: leftovers of a process killed mid-upload. Failures are only logged.
func (s *minioStore) sweep(ctx context.Context, stagingObjects string) {
	cutoff := time.Now().Add(-staleAfter)
	if stagingObjects != "" {
		for obj := range s.core.Client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: stagingObjects, Recursive: true}) {
			if obj.Err == nil && obj.LastModified.Before(cutoff) {
				s.logDrop("remove stale staging object", obj.Key,
					s.core.Client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}))
			}
		}
	}
	for up := range s.core.Client.ListIncompleteUploads(ctx, s.bucket, "", true) {
		if up.Err == nil && up.Initiated.Before(cutoff) {
			s.logDrop("abort stale upload", up.Key, s.core.AbortMultipartUpload(ctx, s.bucket, up.Key, up.UploadID))
		}
	}
}

func (s *minioStore) logDrop(msg, key string, err error) {
	if err != nil {
		s.logger.Warn(msg, "bucket", s.bucket, "key", key, "err", err)
		return
	}
	s.logger.Info(msg, "bucket", s.bucket, "key", key)
}

// mapErr translates S3 errors into the package's sentinels, keeping both.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.Code == "NoSuchKey" || resp.Code == "NoSuchVersion":
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case resp.StatusCode == http.StatusPreconditionFailed || resp.Code == "PreconditionFailed":
		return fmt.Errorf("%w: %w", ErrExists, err)
	case strings.Contains(resp.Message, "WORM"):
		return fmt.Errorf("%w: %w", ErrRetained, err)
	}
	return err
}
