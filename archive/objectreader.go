package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/signroom/signroom/storage/blob"
)

// objectReader is an io.ReaderAt over one version of an archived object, for archive/zip.
// Each ReadAt that continues where the previous one ended reads on from the same ranged GET;
// any other offset opens a new one. Reading a ZIP's central directory and then its entries
// front to back so costs a few requests, not one per read, and never holds the object.
type objectReader struct {
	ctx     context.Context
	store   blob.Store
	key     string
	version string
	size    int64

	mu  sync.Mutex
	rc  io.ReadCloser
	pos int64 // where rc reads next
}

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
	return &objectReader{ctx: ctx, store: store, key: key, version: version, size: info.Size}, info, nil
}

// ReadAt implements io.ReaderAt.
func (o *objectReader) ReadAt(p []byte, off int64) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if off >= o.size {
		return 0, io.EOF
	}
	if o.rc == nil || o.pos != off {
		o.closeLocked()
		rc, _, err := o.store.OpenVersion(o.ctx, o.key, o.version, off, -1)
		if err != nil {
			return 0, fmt.Errorf("read %s at %d: %w", o.key, off, err)
		}
		o.rc, o.pos = rc, off
	}
	want := p[:min(int64(len(p)), o.size-off)]
	n, err := io.ReadFull(o.rc, want)
	o.pos += int64(n)
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
