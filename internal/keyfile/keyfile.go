// Package keyfile writes key material once and never over an existing file: a key that
// another process (or an earlier start) wrote is read, not replaced.
package keyfile

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteNew creates path with mode and data, failing with fs.ErrExist if it exists. The file
// appears whole or not at all (written and synced under a temporary name, then linked to
// path), so a process reading it meanwhile never sees it empty or cut short.
func WriteNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path) // fails if path exists: never replaces a key
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Secret returns the random secret kept in path, creating it (n random bytes, mode 0600) if
// the file does not exist. A file shorter than n bytes is an error, not replaced: it may be
// a secret others still rely on, cut short.
func Secret(path string, n int) ([]byte, error) {
	for range 2 {
		b, err := os.ReadFile(path)
		switch {
		case err == nil && len(b) >= n:
			return b, nil
		case err == nil:
			return nil, fmt.Errorf("read %s: %d bytes, want at least %d (remove it to make a new secret)", path, len(b), n)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		b = make([]byte, n)
		rand.Read(b)
		err = WriteNew(path, b, 0o600)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		// another process created it between the read and the write: read theirs
	}
	return nil, fmt.Errorf("read %s: created and removed while reading", path)
}
