package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"

	"github.com/signroom/signroom/storage/blob"
)

// errIntegrity marks stored bytes that differ from the record that names them.
var errIntegrity = errors.New("stored object differs from its record")

// storedObject is an io.ReadSeeker over one version of a stored object, for
// http.ServeContent. openStored opens it before any header is written, so a missing object
// or an unreachable store is answered with a JSON error instead of 200 headers and a cut
// connection. A read that runs from the first byte to the last is hashed as it passes, and
// its last bytes are withheld (the response is cut short of its Content-Length) when the
// size or SHA-256 differs from the record: a corrupted or replaced object is never
// delivered whole.
type storedObject struct {
	ctx     context.Context
	store   blob.Store
	key     string
	version string
	size    int64
	sha256  string
	pos     int64
	rc      io.ReadCloser
	rcPos   int64     // where rc reads next
	h       hash.Hash // hashes rc's bytes when rc started at 0
	// onMismatch is told once when the bytes read differ from the record.
	onMismatch func(error)
}

// openStored opens version (the current one when "") of key and checks its size and stored
// SHA-256 against the record's. A missing object is a 404, an unreachable store a 503, a
// mismatch a 500 (and onMismatch is told).
func openStored(ctx context.Context, store blob.Store, key, version string, size int64, sum string, onMismatch func(error)) (*storedObject, error) {
	o := &storedObject{ctx: ctx, store: store, key: key, version: version, size: size, sha256: sum, onMismatch: onMismatch}
	if err := o.open(0); err != nil {
		return nil, err
	}
	return o, nil
}

// open (re)opens the object at off.
func (o *storedObject) open(off int64) error {
	o.Close()
	rc, info, err := o.store.OpenVersion(o.ctx, o.key, o.version, off, -1)
	if err != nil {
		return err
	}
	if info.Size != o.size || (info.SHA256 != "" && info.SHA256 != o.sha256) {
		rc.Close()
		return o.mismatch(fmt.Errorf("%s version %q: %d bytes with sha256 %q, the record says %d bytes with sha256 %s: %w",
			o.key, info.VersionID, info.Size, info.SHA256, o.size, o.sha256, errIntegrity))
	}
	o.rc, o.rcPos, o.h = rc, off, nil
	if off == 0 {
		o.h = sha256.New()
	}
	return nil
}

func (o *storedObject) mismatch(err error) error {
	if o.onMismatch != nil {
		o.onMismatch(err)
		o.onMismatch = nil
	}
	return err
}

// Read implements io.Reader.
func (o *storedObject) Read(p []byte) (int, error) {
	if o.pos >= o.size {
		return 0, io.EOF
	}
	if o.rc == nil || o.rcPos != o.pos {
		if err := o.open(o.pos); err != nil {
			return 0, err
		}
	}
	n, err := o.rc.Read(p[:min(int64(len(p)), o.size-o.pos)])
	if o.h != nil {
		o.h.Write(p[:n])
	}
	if o.h != nil && o.pos+int64(n) == o.size {
		if got := hex.EncodeToString(o.h.Sum(nil)); got != o.sha256 {
			return 0, o.mismatch(fmt.Errorf("%s version %q read with sha256 %s, the record says %s: %w", o.key, o.version, got, o.sha256, errIntegrity))
		}
	}
	o.pos += int64(n)
	o.rcPos += int64(n)
	if errors.Is(err, io.EOF) && o.pos < o.size {
		return n, o.mismatch(fmt.Errorf("%s ended after %d of %d bytes: %w", o.key, o.pos, o.size, errIntegrity))
	}
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker; the next Read reopens at the new offset if it moved.
func (o *storedObject) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += o.pos
	case io.SeekEnd:
		off += o.size
	}
	if off < 0 {
		return 0, errors.New("seek before start")
	}
	o.pos = off
	return off, nil
}

// Close releases the open read, if any.
func (o *storedObject) Close() error {
	if o.rc == nil {
		return nil
	}
	err := o.rc.Close()
	o.rc = nil
	return err
}

// failStorage answers a store error met before any header was written: the cause goes to
// the log, the client gets the mapped API error.
func (s *Server) failStorage(w http.ResponseWriter, r *http.Request, err error) {
	ae := storageError(err)
	if errors.Is(err, blob.ErrNotFound) {
		s.log.Error("stored object missing", "path", r.URL.Path, "err", err)
	}
	s.fail(w, r, fmt.Errorf("%w: %w", ae, err))
}

// storageError maps a store error met before any header is written to the API error.
func storageError(err error) *apiError {
	switch {
	case errors.Is(err, errIntegrity):
		return &apiError{Status: http.StatusInternalServerError, Code: "integrity_error",
			Message: "the stored copy does not match its record; it is not served and the operator has been alerted"}
	case errors.Is(err, blob.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Code: "object_missing", Message: "the stored file is missing"}
	}
	return &apiError{Status: http.StatusServiceUnavailable, Code: "storage_unavailable",
		Message: "the file store cannot be reached; try again shortly"}
}
