package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/signroom/signroom/internal/keyfile"
	"github.com/signroom/signroom/storage/blob"
)

// openBlobs opens the configured blob store: a directory under the data directory by
// default, or MinIO / any S3-compatible store.
func (m *Main) openBlobs(ctx context.Context) error {
	if m.Config.Blob == "s3" {
		s3 := m.Config.S3
		b, err := blob.NewMinIO(ctx, blob.MinIOConfig{
			Endpoint: s3.Endpoint, AccessKey: s3.AccessKey, SecretKey: s3.SecretKey,
			UseTLS: s3.TLS, Region: s3.Region, WorkingBucket: s3.WorkingBucket,
			ArchiveBucket: s3.ArchiveBucket, PartSize: uint64(s3.PartSize),
		}, m.Logger)
		if err != nil {
			return fmt.Errorf("open s3 blob store: %w", err)
		}
		m.Blobs = b
		return nil
	}
	secret, err := m.urlSecret()
	if err != nil {
		return err
	}
	l, err := blob.NewLocal(filepath.Join(m.Config.DataDir, "blobs"), secret, m.Config.PublicURL, m.Logger)
	if err != nil {
		return fmt.Errorf("open local blob store: %w", err)
	}
	m.Blobs = l.Buckets()
	m.blobHTTP = l.Handler()
	return nil
}

func (m *Main) blobDescription() string {
	if m.Config.Blob == "s3" {
		return fmt.Sprintf("s3 %s (buckets %s, %s)", m.Config.S3.Endpoint, m.Config.S3.WorkingBucket, m.Config.S3.ArchiveBucket)
	}
	return "local " + absPath(filepath.Join(m.Config.DataDir, "blobs"))
}

// urlSecret returns the configured URL-signing secret, or one generated once and kept in the
// data directory so download URLs survive restarts.
func (m *Main) urlSecret() ([]byte, error) {
	if len(m.Config.URLSecret) > 0 {
		return m.Config.URLSecret, nil
	}
	b, err := keyfile.Secret(filepath.Join(m.Config.DataDir, "url-signing.key"), 32)
	if err != nil {
		return nil, fmt.Errorf("URL signing key: %w", err)
	}
	return b, nil
}
