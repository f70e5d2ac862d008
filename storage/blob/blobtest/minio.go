package blobtest

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/signroom/signroom/storage/blob"
)

// MinIOConfigFromEnv returns the test MinIO server that `make test` (scripts/minio.sh) starts,
// read from SIGNROOM_TEST_MINIO_ENDPOINT, _ACCESS_KEY and _SECRET_KEY, with fresh random
// bucket names and the smallest part size. ok is false when the variables are not set.
func MinIOConfigFromEnv() (cfg blob.MinIOConfig, ok bool) {
	cfg = blob.MinIOConfig{
		Endpoint:  os.Getenv("SIGNROOM_TEST_MINIO_ENDPOINT"),
		AccessKey: os.Getenv("SIGNROOM_TEST_MINIO_ACCESS_KEY"),
		SecretKey: os.Getenv("SIGNROOM_TEST_MINIO_SECRET_KEY"),
		PartSize:  blob.MinPartSize,
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	cfg.WorkingBucket = "sr-test-" + hex.EncodeToString(suffix) + "-work"
	cfg.ArchiveBucket = "sr-test-" + hex.EncodeToString(suffix) + "-arch"
	return cfg, cfg.Endpoint != "" && cfg.AccessKey != "" && cfg.SecretKey != ""
}

// MinIO is MinIOConfigFromEnv for a test that needs MinIO: without the server the test fails
// when CI=true and is skipped elsewhere.
func MinIO(t testing.TB) blob.MinIOConfig {
	t.Helper()
	cfg, ok := MinIOConfigFromEnv()
	if !ok {
		const msg = "SIGNROOM_TEST_MINIO_ENDPOINT/ACCESS_KEY/SECRET_KEY not set; run `make test` (scripts/minio.sh run -- go test ...) to start a MinIO server"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return cfg
}
