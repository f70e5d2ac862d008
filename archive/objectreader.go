package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/signroom/signroom/storage/blob"
)

// objectReader is an io.ReaderAt over one version of an archived object, for archive/zip.
// Each ReadAt that continues where the previous one ended, or a little after it (ZIP entry
// names and extra fields that archive/zip skips), reads on from the same ranged GET; any
// other offset opens a new one. Reading a ZIP's central directory and then its entries front
// to back so costs a few requests, not one per read, and never holds the object. The bytes
// read front to back from offset 0 are hashed as they pass (see sum).
type objectReader struct {
	ctx     context.Context
	store   blob.Store
	key     string
	version string
	size    int64

	mu     sync.Mutex
	rc     io.ReadCloser
	pos    int64 // where rc reads next
	h      hash.Hash
	hashed int64 // bytes [0, hashed) went through h
}

// maxSkip is the largest gap ReadAt reads through rather than opening a new range.
const maxSkip = 64 << 10

// openObject opens version of key (its info gives the size) for ranged reads.
func openObject(ctx context.Context, store blob.Store, key, version string) (*objectReader, blob.ObjectInfo, error) {
	rc, info, err := store.OpenVersion(ctx, key, version, 0, 1)
	if err != nil {
		return nil, info, err
	}
	rc.Close()
	if version == "" {
		version = info.VersionID
	}
	return &objectReader{ctx: ctx, store: store, key: key, version: version, size: info.Size, h: sha256.New()}, info, nil
}

// ReadAt implements io.ReaderAt.
func (o *objectReader) ReadAt(p []byte, off int64) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if off >= o.size {
		return 0, io.EOF
	}
	if err := o.seekLocked(off); err != nil {
		return 0, err
	}
	want := p[:min(int64(len(p)), o.size-off)]
	n, err := io.ReadFull(o.rc, want)
	o.advance(want[:n])
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return n, fmt.Errorf("read %s: ended at %d of %d bytes: %w", o.key, o.pos, o.size, io.ErrUnexpectedEOF)
	}
	if err != nil {
		o.closeLocked()
		return n, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// seekLocked makes rc read at off: on from where it is, through a small gap, or anew.
func (o *objectReader) seekLocked(off int64) error {
	if o.rc != nil && off > o.pos && off-o.pos <= maxSkip {
		gap := make([]byte, off-o.pos)
		n, err := io.ReadFull(o.rc, gap)
		o.advance(gap[:n])
		if err == nil {
			return nil
		}
	}
	if o.rc != nil && o.pos == off {
		return nil
	}
	o.closeLocked()
	rc, _, err := o.store.OpenVersion(o.ctx, o.key, o.version, off, -1)
	if err != nil {
		return fmt.Errorf("read %s at %d: %w", o.key, off, err)
	}
	o.rc, o.pos = rc, off
	return nil
}

// advance notes b read at pos, hashing it when it continues the hashed prefix.
func (o *objectReader) advance(b []byte) {
	if o.pos == o.hashed {
		o.h.Write(b)
		o.hashed += int64(len(b))
	}
	o.pos += int64(len(b))
}

// sum reads the rest of the object after the prefix hashed so far (all of it when no read
// started at 0) and returns its SHA-256.
func (o *objectReader) sum() (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.hashed < o.size {
		if err := o.seekLocked(o.hashed); err != nil {
			return "", err
		}
		n, err := io.Copy(o.h, io.LimitReader(o.rc, o.size-o.hashed))
		o.pos += n
		o.hashed += n
		if err != nil {
			return "", fmt.Errorf("read %s: %w", o.key, err)
		}
	}
	if o.hashed != o.size {
		return "", fmt.Errorf("read %s: %d of %d bytes: %w", o.key, o.hashed, o.size, io.ErrUnexpectedEOF)
	}
	return hex.EncodeToString(o.h.Sum(nil)), nil
}

func (o *objectReader) closeLocked() {
	if o.rc != nil {
		o.rc.Close()
		o.rc = nil
	}
}

// Close releases the open read.
func (o *objectReader) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closeLocked()
	return nil
}
