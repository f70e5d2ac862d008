package blob_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

func rawClient(t testing.TB, cfg blob.MinIOConfig) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMinIOContract(t *testing.T) {
	blobtest.MinIO(t)
	blobtest.Run(t, func(t *testing.T) blobtest.Fixture {
		cfg := blobtest.MinIO(t)
		b, err := blob.NewMinIO(t.Context(), cfg, nil)
		if err != nil {
			t.Fatalf("NewMinIO: %v", err)
		}
		raw := rawClient(t, cfg)
		return blobtest.Fixture{
			Buckets:       b,
			CheckClean:    func(t *testing.T) { wantNoLeftovers(t, raw, cfg) },
			CheckRetained: func(t *testing.T, key string) { wantServerRefuses(t, raw, cfg.ArchiveBucket, key) },
			CheckHeld:     func(t *testing.T, key string) { wantServerHolds(t, raw, cfg.ArchiveBucket, key) },
		}
	}, blobtest.Options{PartSize: blob.MinPartSize})
}

// wantNoLeftovers fails if a failed Put left an incomplete multipart upload
// or a staging object behind.
func wantNoLeftovers(t *testing.T, c *minio.Client, cfg blob.MinIOConfig) {
	t.Helper()
	ctx := t.Context()
	for _, bucket := range []string{cfg.WorkingBucket, cfg.ArchiveBucket} {
		for up := range c.ListIncompleteUploads(ctx, bucket, "", true) {
			t.Errorf("bucket %s: incomplete upload left: %s (%v)", bucket, up.Key, up.Err)
		}
	}
	for o := range c.ListObjectsIter(ctx, cfg.WorkingBucket, minio.ListObjectsOptions{Prefix: ".signroom-staging/", Recursive: true}) {
		t.Errorf("staging object left: %s (%v)", o.Key, o.Err)
	}
}

// wantServerRefuses checks that MinIO itself, asked directly, refuses to
// delete the locked version or shorten its retention.
func wantServerRefuses(t *testing.T, c *minio.Client, bucket, key string) {
	t.Helper()
	ctx := t.Context()
	info, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil || info.VersionID == "" {
		t.Fatalf("StatObject(%s): version %q, %v; want a versioned object", key, info.VersionID, err)
	}
	if err := c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: info.VersionID}); err == nil {
		t.Errorf("MinIO deleted locked version %s of %s", info.VersionID, key)
	}
	earlier := time.Now().Add(time.Minute)
	gov := minio.Governance
	err = c.PutObjectRetention(ctx, bucket, key, minio.PutObjectRetentionOptions{
		Mode: &gov, RetainUntilDate: &earlier, VersionID: info.VersionID, GovernanceBypass: true})
	if err == nil {
		t.Errorf("MinIO shortened COMPLIANCE retention of %s", key)
	}
	if _, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{VersionID: info.VersionID}); err != nil {
		t.Errorf("locked version gone after refused deletes: %v", err)
	}
}

func TestMinIOArchiveWithoutLockRefused(t *testing.T) {
	cfg := blobtest.MinIO(t)
	raw := rawClient(t, cfg)
	if err := raw.MakeBucket(t.Context(), cfg.ArchiveBucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := blob.NewMinIO(t.Context(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), cfg.ArchiveBucket) {
		t.Fatalf("NewMinIO with unlocked archive bucket: %v; want an error naming %s", err, cfg.ArchiveBucket)
	}
}

func TestMinIOConfigChecked(t *testing.T) {
	tests := []struct {
		name string
		cfg  blob.MinIOConfig
	}{
		{"part size below 5 MiB", blob.MinIOConfig{Endpoint: "127.0.0.1:1", WorkingBucket: "w", ArchiveBucket: "a", PartSize: 1 << 20}},
		{"no endpoint", blob.MinIOConfig{WorkingBucket: "w", ArchiveBucket: "a"}},
		{"same buckets", blob.MinIOConfig{Endpoint: "127.0.0.1:1", WorkingBucket: "b", ArchiveBucket: "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			if _, err := blob.NewMinIO(ctx, tt.cfg, nil); err == nil {
				t.Errorf("NewMinIO(%+v) succeeded, want error", tt.cfg)
			}
		})
	}
}

// wantServerHolds checks that MinIO itself reports the legal hold on the current version of
// key and refuses to delete that version.
func wantServerHolds(t *testing.T, c *minio.Client, bucket, key string) {
	t.Helper()
	ctx := t.Context()
	info, err := c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil || info.VersionID == "" {
		t.Fatalf("StatObject(%s): version %q, %v; want a versioned object", key, info.VersionID, err)
	}
	st, err := c.GetObjectLegalHold(ctx, bucket, key, minio.GetObjectLegalHoldOptions{VersionID: info.VersionID})
	if err != nil || st == nil || *st != minio.LegalHoldEnabled {
		t.Errorf("MinIO legal hold of %s = %v, %v; want ON", key, st, err)
	}
	if err := c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{VersionID: info.VersionID}); err == nil {
		t.Errorf("MinIO deleted held version %s of %s", info.VersionID, key)
	}
}
