package blob

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/minio/minio-go/v7"
)

// ErrHeld is wrapped (with ErrRetained) by Delete of an object under legal hold.
var ErrHeld = errors.New("blob: object is under legal hold")

// LegalHolder is a store whose objects can carry a legal hold: the archive store (MinIO's
// object legal hold on the object's current version; the local store's flag in the object's
// sidecar). While the hold is on, Delete gives ErrRetained wrapping ErrHeld, whatever the
// retention date; the hold has no date and stays until lifted. A store without object
// locking gives ErrRetentionUnsupported; a missing key ErrNotFound.
type LegalHolder interface {
	SetLegalHold(ctx context.Context, key string, on bool) error
	LegalHold(ctx context.Context, key string) (bool, error)
}

// SetLegalHold implements LegalHolder on the current version of key.
func (s *minioStore) SetLegalHold(ctx context.Context, key string, on bool) error {
	if !s.locking {
		return fmt.Errorf("legal hold %s/%s: %w", s.bucket, key, ErrRetentionUnsupported)
	}
	o, err := s.statRaw(ctx, key)
	if err != nil {
		return err
	}
	status := minio.LegalHoldDisabled
	if on {
		status = minio.LegalHoldEnabled
	}
	err = s.core.Client.PutObjectLegalHold(ctx, s.bucket, key, minio.PutObjectLegalHoldOptions{VersionID: o.VersionID, Status: &status})
	if err != nil {
		return fmt.Errorf("legal hold %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return nil
}

// LegalHold implements LegalHolder.
func (s *minioStore) LegalHold(ctx context.Context, key string) (bool, error) {
	if !s.locking {
		return false, nil
	}
	o, err := s.statRaw(ctx, key)
	if err != nil {
		return false, err
	}
	st, err := s.core.Client.GetObjectLegalHold(ctx, s.bucket, key, minio.GetObjectLegalHoldOptions{VersionID: o.VersionID})
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchObjectLockConfiguration" {
			return false, nil
		}
		return false, fmt.Errorf("legal hold %s/%s: %w", s.bucket, key, mapErr(err))
	}
	return st != nil && *st == minio.LegalHoldEnabled, nil
}

// SetLegalHold implements LegalHolder by rewriting the object's sidecar.
func (s *localStore) SetLegalHold(ctx context.Context, key string, on bool) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if !s.locking {
		return fmt.Errorf("legal hold %s/%s: %w", s.name, key, ErrRetentionUnsupported)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	meta, err := s.readMeta(key)
	if err != nil {
		return fmt.Errorf("legal hold %s/%s: %w", s.name, key, err)
	}
	meta.LegalHold = on
	tmp, err := s.writeMetaTemp(meta)
	if tmp != "" {
		defer os.Remove(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, s.metaPath(key))
	}
	if err != nil {
		return fmt.Errorf("legal hold %s/%s: %w", s.name, key, err)
	}
	return nil
}

// LegalHold implements LegalHolder.
func (s *localStore) LegalHold(ctx context.Context, key string) (bool, error) {
	if err := ValidateKey(key); err != nil {
		return false, err
	}
	meta, err := s.readMeta(key)
	if err != nil {
		return false, fmt.Errorf("legal hold %s/%s: %w", s.name, key, err)
	}
	return meta.LegalHold, nil
}

// refuseDelete says why an object may not be deleted now, or nil.
func refuseDelete(bucket, key string, retainUntil time.Time, held bool) error {
	if held {
		return fmt.Errorf("delete %s/%s: %w: %w", bucket, key, ErrRetained, ErrHeld)
	}
	if time.Now().Before(retainUntil) {
		return fmt.Errorf("delete %s/%s: %w until %s", bucket, key, ErrRetained, retainUntil.Format(time.RFC3339))
	}
	return nil
}
