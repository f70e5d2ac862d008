// Package blob stores Signroom's objects — documents, signatures, recordings
// and evidence bundles — in two buckets: a working bucket for uploads and
// in-progress material, and an archive bucket whose objects are written once
// under COMPLIANCE retention.
//
// Two implementations share one contract (see Store) and one test suite
// (package blobtest):
//
//   - NewMinIO talks to MinIO or any S3-compatible store through minio-go.
//   - NewLocal keeps the buckets in a local directory; it is the embedded
//     default for a single node.
//
// # Contract
//
// Put never overwrites: if the key exists it returns ErrExists and the stored
// bytes are untouched, also when several writers race for the same key
// (exactly one wins). Put streams: the object's length need not be known, its
// SHA-256 is computed by Signroom while the bytes pass through (S3's multipart
// checksum is a checksum of part checksums and is never used), and the hash is
// stored with the object (S3 user metadata or a local sidecar file; never in
// object tags, which stay mutable on locked objects). A failed or cancelled
// Put leaves no object visible.
//
// Keys are slash-separated paths such as
// "agreements/{id}/documents/v1.pdf"; see ValidateKey for the rules.
//
// # MinIO / S3 layout
//
// S3 fixes an object's user metadata when the upload is created, before its
// hash is known. A stream that fits into one part (PartSize, default 16 MiB)
// is therefore hashed in memory and stored with a single conditional PUT
// (If-None-Match: *). A longer stream is first uploaded as a multipart upload
// to a staging object under ".signroom-staging/" in the working bucket while
// it is hashed; then a second multipart upload at the final key, created with
// the hash in its metadata (and the retention headers), is filled server-side
// with UploadPartCopy from the staging object and completed with
// If-None-Match: *; finally the staging object is removed. MinIO evaluates
// If-None-Match on PutObject and CompleteMultipartUpload under its namespace
// lock, so a conditional create is atomic: concurrent writers of one key get
// exactly one success and ErrExists for the rest. The price for large objects
// is one server-side copy. Aborted uploads and the staging object are removed
// on every error path with a context detached from the caller's (so
// cancellation and SIGTERM still clean up); staging objects left by a killed
// process are removed at the next start once they are a day old.
//
// # Local layout
//
// Under dir, each bucket ("working", "archive") has objects/{key} (the bytes),
// meta/{key} (a JSON sidecar: size, SHA-256, content type, retention, time)
// and tmp/ (files being written; emptied at start). A Put writes and fsyncs
// both files in tmp/, claims the key by hard-linking the sidecar into meta/
// (link fails if the name exists, which makes concurrent writers safe), then
// renames the data into objects/ and fsyncs the directories. An object is
// visible only when both files exist; a crash leaves at most an orphan sidecar
// that the next start removes. One process owns a directory at a time. The
// local store cannot hold both "a" and "a/b" (a file cannot also be a
// directory); Put refuses the second.
//
// # Wiring
//
//	l, err := blob.NewLocal(dir, secret, "https://signroom.example", logger)
//	mux.Handle("GET /blob/", l.Handler()) // serves l's presigned URLs
//	buckets := l.Buckets()
//
//	buckets, err := blob.NewMinIO(ctx, blob.MinIOConfig{...}, logger)
//
// Suggested HTTP mapping: ErrNotFound 404, ErrExists 409, ErrRetained 409,
// ErrTooLarge 413, ErrInvalidKey 400, ErrInvalidRange 416.
package blob

import (
	"context"
	"errors"
	"io"
	"time"
)

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	SHA256      string    // lowercase hex of the object's bytes, computed by Signroom while streaming (never S3's multipart checksum)
	ContentType string    // as given to Put; "application/octet-stream" when none was given
	RetainUntil time.Time // zero when the object has no retention
	ModTime     time.Time
	// VersionID names the version of the object these bytes are: S3's version id on a
	// versioned bucket (the archive, which object locking makes versioned), the local store's
	// id for the Put that wrote the object, "" on an unversioned S3 bucket.
	VersionID string
}

// PutOptions are the options of Store.Put.
type PutOptions struct {
	ContentType string
	RetainUntil time.Time // non-zero: COMPLIANCE retention until then (archive store only; ErrRetentionUnsupported elsewhere)
	MaxSize     int64     // 0 = no limit beyond the store's; exceeding it -> ErrTooLarge and nothing stored
}

// Errors returned by stores, wrapped with context; test with errors.Is.
var (
	ErrNotFound   = errors.New("blob: object not found")
	ErrExists     = errors.New("blob: object already exists")
	ErrRetained   = errors.New("blob: object is under retention")
	ErrTooLarge   = errors.New("blob: object too large")
	ErrInvalidKey = errors.New("blob: invalid key")
	// ErrRetentionUnsupported is returned by Put with RetainUntil on a store
	// without object locking (the working bucket).
	ErrRetentionUnsupported = errors.New("blob: store does not support retention")
	// ErrInvalidRange is returned by OpenRange for a negative offset, an
	// offset at or past the end of a non-empty object, or a zero length.
	ErrInvalidRange = errors.New("blob: invalid range")
)

// DefaultContentType is recorded when Put is given no content type.
const DefaultContentType = "application/octet-stream"

// Store is one bucket.
//
// Error contract: a missing key gives ErrNotFound (Open, OpenRange, Stat,
// Delete); a malformed key gives ErrInvalidKey from every method; Put on an
// existing key gives ErrExists; Delete of an object whose retention is in
// force gives ErrRetained.
type Store interface {
	// Put stores r under key, creating it only if absent. It reads r to EOF.
	Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (ObjectInfo, error)
	// Open returns the object's bytes and its info. The caller closes the reader.
	Open(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error)
	// OpenRange returns length bytes starting at offset (fewer at the end of
	// the object). A negative length reads to the end.
	OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// OpenVersion is OpenRange on one version of the object, as named by the VersionID
	// that Put or Stat returned ("" means the current version), with that version's info.
	// A version that is not, or no longer, stored under key gives ErrNotFound. On a
	// versioned bucket a later write or a delete marker under key never changes what a
	// pinned version reads.
	OpenVersion(ctx context.Context, key, versionID string, offset, length int64) (io.ReadCloser, ObjectInfo, error)
	// Stat returns the object's info, including the SHA-256 stored by Put.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Delete removes the object; ErrRetained while retention is in force.
	Delete(ctx context.Context, key string) error
	// List returns the objects whose keys start with prefix, sorted by key.
	// Key, Size and ModTime are always set; SHA256 and ContentType are set
	// when the store returns metadata with the listing (local, MinIO);
	// RetainUntil only by the local store, since S3 listings never carry
	// retention. Stat returns every field.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// PresignGet returns a download URL valid for expiry (1s to 7 days).
	PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error)
	// Ping reports whether the store is reachable and its bucket present.
	Ping(ctx context.Context) error
}

// Buckets is what the service uses: a working bucket and an archive bucket
// with object locking.
type Buckets struct{ Working, Archive Store }

// maxPresignExpiry is S3's limit for presigned URLs, applied to both stores.
const maxPresignExpiry = 7 * 24 * time.Hour
