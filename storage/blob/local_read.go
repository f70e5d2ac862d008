package blob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// readMeta loads a key's sidecar; ErrNotFound if there is none.
func (s *localStore) readMeta(key string) (localMeta, error) {
	b, err := os.ReadFile(s.metaPath(key))
	if err != nil {
		if isNotExist(err) {
			return localMeta{}, ErrNotFound
		}
		return localMeta{}, err
	}
	var m localMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return localMeta{}, fmt.Errorf("corrupt sidecar: %w", err)
	}
	return m, nil
}

// isNotExist treats "a path component is a file" and "is a directory" like
// a missing file: such keys cannot name an object.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR)
}

// openFile opens a visible object: data and sidecar both present and agreeing.
func (s *localStore) openFile(ctx context.Context, key string) (*os.File, ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ObjectInfo{}, err
	}
	f, err := os.Open(s.dataPath(key))
	if err != nil {
		if isNotExist(err) {
			return nil, ObjectInfo{}, fmt.Errorf("open %s/%s: %w", s.name, key, ErrNotFound)
		}
		return nil, ObjectInfo{}, fmt.Errorf("open %s/%s: %w", s.name, key, err)
	}
	meta, err := s.readMeta(key)
	if err == nil {
		err = checkFile(f, meta)
	}
	if err != nil {
		f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("open %s/%s: %w", s.name, key, err)
	}
	return f, meta.info(key), nil
}

// checkFile guards against a directory or a file replaced between the open
// and the sidecar read (a Delete and a new Put in between).
func checkFile(f *os.File, meta localMeta) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() || st.Size() != meta.Size {
		return ErrNotFound
	}
	return nil
}

// Open implements Store.
func (s *localStore) Open(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	return s.openFile(ctx, key)
}

// OpenRange implements Store.
func (s *localStore) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, _, err := s.OpenVersion(ctx, key, "", offset, length)
	return rc, err
}

// OpenVersion implements Store. The local store keeps one version per key;
// any other version id is not found.
func (s *localStore) OpenVersion(ctx context.Context, key, versionID string, offset, length int64) (io.ReadCloser, ObjectInfo, error) {
	f, info, err := s.openFile(ctx, key)
	if err == nil && versionID != "" && versionID != info.VersionID {
		f.Close()
		err = fmt.Errorf("open %s/%s version %s: %w", s.name, key, versionID, ErrNotFound)
	}
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := checkRange(info.Size, offset, length); err != nil {
		f.Close()
		return nil, ObjectInfo{}, fmt.Errorf("open range %s/%s: %w", s.name, key, err)
	}
	if length < 0 || offset+length > info.Size {
		length = info.Size - offset
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, offset, length), f}, info, nil
}

// checkRange validates an OpenRange request against an object's size.
func checkRange(size, offset, length int64) error {
	if offset < 0 || length == 0 || (offset >= size && size > 0) || (size == 0 && offset > 0) {
		return fmt.Errorf("%w: offset %d length %d of %d bytes", ErrInvalidRange, offset, length, size)
	}
	return nil
}

// Stat implements Store.
func (s *localStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	f, info, err := s.openFile(ctx, key)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat: %w", err)
	}
	f.Close()
	return info, nil
}

// Delete implements Store.
func (s *localStore) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	meta, err := s.readMeta(key)
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", s.name, key, err)
	}
	if err := refuseDelete(s.name, key, meta.RetainUntil, meta.LegalHold); err != nil {
		return err
	}
	if err := os.Remove(s.dataPath(key)); err != nil {
		if isNotExist(err) {
			return fmt.Errorf("delete %s/%s: %w", s.name, key, ErrNotFound)
		}
		return fmt.Errorf("delete %s/%s: %w", s.name, key, err)
	}
	if err := os.Remove(s.metaPath(key)); err != nil && !isNotExist(err) {
		return fmt.Errorf("delete %s/%s: %w", s.name, key, err)
	}
	return syncDir(filepath.Dir(s.dataPath(key)))
}

// List implements Store.
func (s *localStore) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	objects := filepath.Join(s.root, "objects")
	start := objects
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(objects, filepath.FromSlash(prefix[:i]))
	}
	var out []ObjectInfo
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start && isNotExist(err) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(objects, p)
		key := filepath.ToSlash(rel)
		if d.IsDir() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		meta, err := s.readMeta(key)
		if errors.Is(err, ErrNotFound) {
			return nil // being written or deleted
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		out = append(out, meta.info(key))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s/%s: %w", s.name, prefix, err)
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Ping implements Store.
func (s *localStore) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, d := range []string{"objects", "meta", "tmp"} {
		st, err := os.Stat(filepath.Join(s.root, d))
		if err != nil {
			return fmt.Errorf("ping %s: %w", s.name, err)
		}
		if !st.IsDir() {
			return fmt.Errorf("ping %s: %s is not a directory", s.name, d)
		}
	}
	return nil
}

// escapeKey escapes each segment of key for use in a URL path.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = pathEscape(s)
	}
	return path.Join(segs...)
}
