package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
)

// objectInfo converts minio-go's description of key.
func objectInfo(key string, o minio.ObjectInfo) ObjectInfo {
	info := ObjectInfo{Key: key, Size: o.Size, ContentType: o.ContentType, ModTime: o.LastModified.UTC(), VersionID: o.VersionID}
	for _, m := range []minio.StringMap{o.UserMetadata, o.UserMetadataStripped} {
		for k, v := range m {
			if strings.EqualFold(k, metaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+metaSHA256) {
				info.SHA256 = v
			}
		}
	}
	if t, err := time.Parse(time.RFC3339, o.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date")); err == nil {
		info.RetainUntil = t.UTC()
	}
	return info
}

// statRaw returns minio-go's description of key (with its version id).
func (s *minioStore) statRaw(ctx context.Context, key string) (minio.ObjectInfo, error) {
	return s.statVersion(ctx, key, "")
}

// statVersion returns minio-go's description of one version of key ("" the current one).
func (s *minioStore) statVersion(ctx context.Context, key, versionID string) (minio.ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return minio.ObjectInfo{}, err
	}
	o, err := s.core.Client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{VersionID: versionID})
	if err != nil {
		return minio.ObjectInfo{}, fmt.Errorf("stat %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return o, nil
}

// Stat implements Store.
func (s *minioStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	o, err := s.statRaw(ctx, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	return objectInfo(key, o), nil
}

// Open implements Store.
func (s *minioStore) Open(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	if err := ValidateKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	rc, o, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("open %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return rc, objectInfo(key, o), nil
}

// OpenRange implements Store with a ranged GET.
func (s *minioStore) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, _, err := s.OpenVersion(ctx, key, "", offset, length)
	return rc, err
}

// OpenVersion implements Store with a HEAD and a ranged GET of the version.
func (s *minioStore) OpenVersion(ctx context.Context, key, versionID string, offset, length int64) (io.ReadCloser, ObjectInfo, error) {
	o, err := s.statVersion(ctx, key, versionID)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	info := objectInfo(key, o)
	if err := checkRange(info.Size, offset, length); err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("open range %s/%s: %w", s.bucket, key, err)
	}
	if info.Size == 0 {
		return io.NopCloser(bytes.NewReader(nil)), info, nil
	}
	end := info.Size - 1
	if length > 0 && offset+length-1 < end {
		end = offset + length - 1
	}
	opts := minio.GetObjectOptions{VersionID: o.VersionID}
	if err := opts.SetRange(offset, end); err != nil {
		return nil, ObjectInfo{}, err
	}
	rc, _, _, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, ObjectInfo{}, fmt.Errorf("open range %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return rc, info, nil
}

// Delete implements Store. It removes the object's version (on the
// versioned archive bucket a delete without a version id would only add a
// delete marker); the server refuses while retention is in force.
func (s *minioStore) Delete(ctx context.Context, key string) error {
	o, err := s.statRaw(ctx, key)
	if err != nil {
		return err
	}
	info := objectInfo(key, o)
	held := o.Metadata.Get("X-Amz-Object-Lock-Legal-Hold") == string(minio.LegalHoldEnabled)
	if err := refuseDelete(s.bucket, key, info.RetainUntil, held); err != nil {
		return err
	}
	err = s.core.Client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: o.VersionID})
	if err != nil {
		return fmt.Errorf("delete %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return nil
}

// List implements Store. It asks for metadata in the listing (a MinIO
// extension); other S3 servers leave SHA256 and ContentType empty.
func (s *minioStore) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := validatePrefix(prefix); err != nil {
		return nil, err
	}
	var out []ObjectInfo
	opts := minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithMetadata: true}
	for o := range s.core.Client.ListObjectsIter(ctx, s.bucket, opts) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s/%s: %w", s.bucket, prefix, mapErr(o.Err))
		}
		if strings.HasPrefix(o.Key, reservedStart) {
			continue
		}
		info := objectInfo(o.Key, o)
		if info.ContentType == "" {
			info.ContentType = o.UserMetadata["content-type"]
		}
		out = append(out, info)
	}
	return out, nil
}

// PresignGet implements Store with an S3 presigned GET.
func (s *minioStore) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if expiry < time.Second || expiry > maxPresignExpiry {
		return "", fmt.Errorf("presign %s/%s: expiry %s outside 1s..7d", s.bucket, key, expiry)
	}
	if _, err := s.Stat(ctx, key); err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	u, err := s.core.Client.PresignedGetObject(ctx, s.bucket, key, expiry, nil)
	if err != nil {
		return "", fmt.Errorf("presign %s/%s: %w", s.bucket, key, err)
	}
	return u.String(), nil
}

// Ping implements Store.
func (s *minioStore) Ping(ctx context.Context) error {
	ok, err := s.core.Client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("ping %s: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("ping: bucket %s does not exist", s.bucket)
	}
	return nil
}
