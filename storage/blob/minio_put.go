package blob

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/minio/minio-go/v7"
)

// Put implements Store. See the package documentation for the single-PUT
// and stage-then-copy paths.
func (s *minioStore) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if !opts.RetainUntil.IsZero() && !s.locking {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", s.bucket, key, ErrRetentionUnsupported)
	}
	info, err := s.put(ctx, key, r, opts)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s/%s: %w", s.bucket, key, err)
	}
	return info, nil
}

// upload is the state of one Put.
type upload struct {
	s     *minioStore
	key   string
	opts  PutOptions
	hr    *hashReader
	src   io.Reader // hr, limited to limit+1 bytes
	limit int64
	buf   []byte
}

func (s *minioStore) put(ctx context.Context, key string, r io.Reader, opts PutOptions) (ObjectInfo, error) {
	bp := s.bufs.Get().(*[]byte)
	defer s.bufs.Put(bp)
	u := &upload{s: s, key: key, opts: opts, hr: newHashReader(ctx, r), buf: *bp,
		limit: limitFor(opts.MaxSize, s.partSize*maxParts)}
	u.src = io.LimitReader(u.hr, u.limit+1)
	n, err := io.ReadFull(u.src, u.buf)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		if err := u.checkSize(int64(n)); err != nil {
			return ObjectInfo{}, err
		}
		return u.putSingle(ctx, u.buf[:n])
	case err != nil:
		return ObjectInfo{}, err
	}
	if _, err := s.Stat(ctx, key); err == nil {
		return ObjectInfo{}, ErrExists // fail fast; the conditional complete decides races
	}
	return u.putStaged(ctx, n)
}

// checkSize fails once more than the limit has been read.
func (u *upload) checkSize(n int64) error {
	if n <= u.limit {
		return nil
	}
	if u.opts.MaxSize > 0 && u.opts.MaxSize <= u.s.partSize*maxParts {
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, u.opts.MaxSize)
	}
	return fmt.Errorf("%w: stream longer than part size %d × %d parts; raise PartSize", ErrTooLarge, u.s.partSize, maxParts)
}

// finalOpts are the options of the object at its final key.
func (u *upload) finalOpts(sum string) minio.PutObjectOptions {
	o := minio.PutObjectOptions{
		ContentType:  cmp.Or(u.opts.ContentType, DefaultContentType),
		UserMetadata: map[string]string{metaSHA256: sum},
	}
	if !u.opts.RetainUntil.IsZero() {
		o.Mode = minio.Compliance
		o.RetainUntilDate = u.opts.RetainUntil.UTC()
	}
	o.SetMatchETagExcept("*")
	return o
}

// putSingle stores a stream that fitted into one buffer with one
// conditional PUT.
func (u *upload) putSingle(ctx context.Context, data []byte) (ObjectInfo, error) {
	sum := u.hr.sum()
	up, err := u.s.core.PutObject(ctx, u.s.bucket, u.key, bytes.NewReader(data), int64(len(data)), "", sum, u.finalOpts(sum))
	if err != nil {
		return ObjectInfo{}, mapErr(err)
	}
	return u.finish(ctx, int64(len(data)), sum, up.VersionID)
}

// finish checks the stored object — the version this upload wrote, whatever
// was written under the key since — against what was read.
func (u *upload) finish(ctx context.Context, n int64, sum, versionID string) (ObjectInfo, error) {
	o, err := u.s.statVersion(ctx, u.key, versionID)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("stat after upload: %w", err)
	}
	info := objectInfo(u.key, o)
	if info.Size != n || info.SHA256 != sum {
		u.s.logger.Error("stored object differs from the stream", "bucket", u.s.bucket, "key", u.key, "read", n, "stored", info.Size)
		return ObjectInfo{}, fmt.Errorf("stored %d bytes with hash %s, read %d bytes with hash %s", info.Size, info.SHA256, n, sum)
	}
	return info, nil
}

// putStaged uploads the stream to a staging object (the first n bytes are
// in the buffer), then copies it server-side to the final key.
func (u *upload) putStaged(ctx context.Context, n int) (ObjectInfo, error) {
	stage := stagingPrefix + randomName()
	total, err := u.stage(ctx, stage, n)
	defer u.s.cleanup(ctx, "remove staging object", func(ctx context.Context) error {
		return u.s.core.Client.RemoveObject(ctx, u.s.staging, stage, minio.RemoveObjectOptions{})
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	sum := u.hr.sum()
	version, err := u.copyFromStage(ctx, stage, total, sum)
	if err != nil {
		return ObjectInfo{}, err
	}
	return u.finish(ctx, total, sum, version)
}

// stage streams the object into a multipart upload of the staging object
// and returns the number of bytes uploaded, checked against the server.
func (u *upload) stage(ctx context.Context, stage string, n int) (int64, error) {
	core, bucket := u.s.core, u.s.staging
	id, err := core.NewMultipartUpload(ctx, bucket, stage, minio.PutObjectOptions{})
	if err != nil {
		return 0, err
	}
	parts, total, err := u.uploadParts(ctx, stage, id, n)
	if err == nil {
		_, err = core.CompleteMultipartUpload(ctx, bucket, stage, id, parts, minio.PutObjectOptions{})
	}
	if err != nil {
		u.s.cleanup(ctx, "abort staging upload", func(ctx context.Context) error {
			return core.AbortMultipartUpload(ctx, bucket, stage, id)
		})
		return 0, err
	}
	st, err := core.Client.StatObject(ctx, bucket, stage, minio.StatObjectOptions{})
	if err == nil && st.Size != total {
		err = fmt.Errorf("upload cut: staged %d bytes, read %d", st.Size, total)
	}
	return total, err
}

// uploadParts sends the buffered first part and every further part.
func (u *upload) uploadParts(ctx context.Context, stage, id string, n int) ([]minio.CompletePart, int64, error) {
	var parts []minio.CompletePart
	var total int64
	for part := 1; n > 0; part++ {
		total += int64(n)
		if err := u.checkSize(total); err != nil {
			return nil, 0, err
		}
		p, err := u.s.core.PutObjectPart(ctx, u.s.staging, stage, id, part, bytes.NewReader(u.buf[:n]), int64(n), minio.PutObjectPartOptions{})
		if err != nil {
			return nil, 0, err
		}
		parts = append(parts, minio.CompletePart{PartNumber: part, ETag: p.ETag})
		var rerr error
		n, rerr = io.ReadFull(u.src, u.buf)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, io.ErrUnexpectedEOF) {
			return nil, 0, rerr
		}
	}
	return parts, total, nil
}

// copyFromStage creates the final object — metadata with the hash,
// retention — by server-side part copies, completed with If-None-Match: *.
// It returns the version id of the object it created.
func (u *upload) copyFromStage(ctx context.Context, stage string, total int64, sum string) (string, error) {
	core, bucket := u.s.core, u.s.bucket
	opts := u.finalOpts(sum)
	id, err := core.NewMultipartUpload(ctx, bucket, u.key, opts)
	if err != nil {
		return "", mapErr(err)
	}
	var parts []minio.CompletePart
	for off, part := int64(0), 1; off < total && err == nil; off, part = off+copyPartSize, part+1 {
		var p minio.CompletePart
		p, err = core.CopyObjectPart(ctx, u.s.staging, stage, bucket, u.key, id, part, off, min(copyPartSize, total-off), nil)
		parts = append(parts, p)
	}
	var done minio.UploadInfo
	if err == nil {
		cond := minio.PutObjectOptions{}
		cond.SetMatchETagExcept("*")
		done, err = core.CompleteMultipartUpload(ctx, bucket, u.key, id, parts, cond)
	}
	if err != nil {
		u.s.cleanup(ctx, "abort final upload", func(ctx context.Context) error {
			return core.AbortMultipartUpload(ctx, bucket, u.key, id)
		})
		return "", mapErr(err)
	}
	return done.VersionID, nil
}

// cleanup runs fn with a context that survives the caller's cancellation,
// so a cancelled or interrupted Put still removes what it left.
func (s *minioStore) cleanup(ctx context.Context, what string, fn func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := fn(ctx); err != nil {
		s.logger.Warn(what, "bucket", s.bucket, "err", err)
	}
}

func randomName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
