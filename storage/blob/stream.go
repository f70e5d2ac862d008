package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
)

// hashReader counts and hashes the bytes read through it and stops with
// the context's error once the context is done.
type hashReader struct {
	ctx context.Context
	r   io.Reader
	h   hash.Hash
	n   int64
}

func newHashReader(ctx context.Context, r io.Reader) *hashReader {
	return &hashReader{ctx: ctx, r: r, h: sha256.New()}
}

// Read implements io.Reader.
func (hr *hashReader) Read(p []byte) (int, error) {
	if err := hr.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	return n, err
}

// sum returns the lowercase hex SHA-256 of the bytes read so far.
func (hr *hashReader) sum() string { return hex.EncodeToString(hr.h.Sum(nil)) }

// limitFor returns the number of bytes Put may accept: the smaller of the
// caller's MaxSize and the store's own limit (0 = none).
func limitFor(maxSize, storeMax int64) int64 {
	switch {
	case maxSize <= 0:
		return storeMax
	case storeMax <= 0 || maxSize < storeMax:
		return maxSize
	}
	return storeMax
}
