package blob

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Local is the local-directory implementation of Buckets: the embedded
// default for a single node. See the package documentation for its layout.
type Local struct {
	working, archive *localStore
	secret           []byte
	baseURL          string
	logger           *slog.Logger
}

// localStore is one bucket directory.
type localStore struct {
	name    string // "working" or "archive"
	root    string
	locking bool
	owner   *Local
}

// localMeta is the JSON sidecar written next to each object.
type localMeta struct {
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	RetainUntil time.Time `json:"retain_until,omitzero"`
	ModTime     time.Time `json:"mod_time"`
	VersionID   string    `json:"version_id,omitempty"` // random per Put; absent in sidecars written before versions
	LegalHold   bool      `json:"legal_hold,omitempty"` // see LegalHolder
}

// Local bucket names, also used in presigned URLs.
const (
	LocalWorking = "working"
	LocalArchive = "archive"
)

// minSecretLen is the shortest accepted URL-signing secret.
const minSecretLen = 32

// NewLocal opens (creating if needed) the buckets under dir. secret signs
// presigned URLs (at least 32 bytes); baseURL is the external address the
// Handler is served under, e.g. "https://signroom.example". At start it
// removes temporary files and half-written objects left by a crash.
func NewLocal(dir string, secret []byte, baseURL string, logger *slog.Logger) (*Local, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("local blob store: URL secret must be at least %d bytes", minSecretLen)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	l := &Local{secret: append([]byte(nil), secret...), baseURL: strings.TrimRight(baseURL, "/"), logger: logger}
	l.working = &localStore{name: LocalWorking, root: filepath.Join(dir, LocalWorking), owner: l}
	l.archive = &localStore{name: LocalArchive, root: filepath.Join(dir, LocalArchive), locking: true, owner: l}
	for _, s := range []*localStore{l.working, l.archive} {
		if err := s.init(); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Buckets returns the working and archive stores.
func (l *Local) Buckets() Buckets { return Buckets{Working: l.working, Archive: l.archive} }

func (s *localStore) tmpDir() string { return filepath.Join(s.root, "tmp") }
func (s *localStore) dataPath(key string) string {
	return filepath.Join(s.root, "objects", filepath.FromSlash(key))
}
func (s *localStore) metaPath(key string) string {
	return filepath.Join(s.root, "meta", filepath.FromSlash(key))
}

// init creates the directories and removes leftovers of interrupted writes.
func (s *localStore) init() error {
	for _, d := range []string{"objects", "meta"} {
		if err := os.MkdirAll(filepath.Join(s.root, d), 0o750); err != nil {
			return fmt.Errorf("local blob store %s: %w", s.name, err)
		}
	}
	if err := os.RemoveAll(s.tmpDir()); err != nil {
		return fmt.Errorf("local blob store %s: clean tmp: %w", s.name, err)
	}
	if err := os.Mkdir(s.tmpDir(), 0o750); err != nil {
		return fmt.Errorf("local blob store %s: %w", s.name, err)
	}
	return s.removeOrphans()
}

// removeOrphans deletes sidecars without data (a crash between claiming a
// key and renaming its data, or during Delete) and data without a sidecar.
func (s *localStore) removeOrphans() error {
	for _, pair := range [][2]string{{"meta", "objects"}, {"objects", "meta"}} {
		base, other := filepath.Join(s.root, pair[0]), filepath.Join(s.root, pair[1])
		err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			if _, err := os.Lstat(filepath.Join(other, rel)); errors.Is(err, fs.ErrNotExist) {
				s.owner.logger.Warn("removing half-written blob", "bucket", s.name, "key", filepath.ToSlash(rel))
				return os.Remove(p)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("local blob store %s: remove orphans: %w", s.name, err)
		}
	}
	return nil
}

// Put implements Store.
func (s *localStore) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if !opts.RetainUntil.IsZero() && !s.locking {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", s.name, key, ErrRetentionUnsupported)
	}
	dataTmp, meta, err := s.writeTemp(ctx, r, opts.MaxSize)
	if dataTmp != "" {
		defer os.Remove(dataTmp)
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", s.name, key, err)
	}
	meta.ContentType = cmp.Or(opts.ContentType, DefaultContentType)
	meta.RetainUntil = opts.RetainUntil.UTC()
	meta.ModTime = time.Now().UTC()
	meta.VersionID = randomName()
	if err := s.commit(key, dataTmp, meta); err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", s.name, key, err)
	}
	return meta.info(key), nil
}

// writeTemp streams r into a synced temporary file, hashing it.
func (s *localStore) writeTemp(ctx context.Context, r io.Reader, maxSize int64) (string, localMeta, error) {
	f, err := os.CreateTemp(s.tmpDir(), "data-*")
	if err != nil {
		return "", localMeta{}, err
	}
	name := f.Name()
	hr := newHashReader(ctx, r)
	var src io.Reader = hr
	if maxSize > 0 {
		src = io.LimitReader(hr, maxSize+1)
	}
	n, err := io.Copy(f, src)
	if err == nil && maxSize > 0 && n > maxSize {
		err = fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxSize)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return name, localMeta{Size: n, SHA256: hr.sum()}, err
}

// commit makes the object visible: claim the key by linking the sidecar
// (fails if it exists), then rename the data into place.
func (s *localStore) commit(key, dataTmp string, meta localMeta) error {
	metaTmp, err := s.writeMetaTemp(meta)
	if metaTmp != "" {
		defer os.Remove(metaTmp)
	}
	if err != nil {
		return err
	}
	metaPath, dataPath := s.metaPath(key), s.dataPath(key)
	if err := s.mkdirs(metaPath, dataPath); err != nil {
		return err
	}
	if err := os.Link(metaTmp, metaPath); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return fmt.Errorf("claim key: %w", err)
	}
	if err := os.Rename(dataTmp, dataPath); err != nil {
		os.Remove(metaPath)
		return fmt.Errorf("rename data: %w", err)
	}
	if err := syncDir(filepath.Dir(metaPath)); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dataPath))
}

// mkdirs creates the parent directories of the given paths. A key whose
// parent is an existing object ("a" when putting "a/b") is refused.
func (s *localStore) mkdirs(paths ...string) error {
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%w: a prefix of the key is an object", ErrInvalidKey)
			}
			return err
		}
	}
	return nil
}

func (s *localStore) writeMetaTemp(meta localMeta) (string, error) {
	b, err := json.Marshal(meta)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(s.tmpDir(), "meta-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return f.Name(), err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

func (m localMeta) info(key string) ObjectInfo {
	return ObjectInfo{Key: key, Size: m.Size, SHA256: m.SHA256, ContentType: m.ContentType, RetainUntil: m.RetainUntil, ModTime: m.ModTime, VersionID: m.VersionID}
}
