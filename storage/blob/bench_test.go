package blob_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// BenchmarkPut128MiB streams 128 MiB of unknown length into each store with
// its default part size and reports throughput and peak heap growth:
//
//	scripts/minio.sh run -- go test -run '^$' -bench Put128MiB -benchtime 3x ./storage/blob/
func BenchmarkPut128MiB(b *testing.B) {
	const size = 128 << 20
	stores := map[string]blob.Store{}
	l, err := blob.NewLocal(b.TempDir(), testSecret, "http://127.0.0.1:1", nil)
	if err != nil {
		b.Fatal(err)
	}
	stores["local"] = l.Buckets().Archive
	if cfg, ok := blobtest.MinIOConfigFromEnv(); ok {
		cfg.PartSize = 0 // default 16 MiB
		m, err := blob.NewMinIO(b.Context(), cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		stores["minio"] = m.Archive
		b.Run("minio-go-plain", func(b *testing.B) { benchPlainMinIO(b, cfg, size) })
	}
	for name, st := range stores {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			var peak int64
			for i := 0; b.Loop(); i++ {
				m, err := blobtest.MeasurePut(b.Context(), st, fmt.Sprintf("bench/%d", i), size)
				if err != nil || m.Info.SHA256 != m.WantSHA256 {
					b.Fatalf("Put: %v (sha %s, want %s)", err, m.Info.SHA256, m.WantSHA256)
				}
				peak = max(peak, m.PeakHeapGrowth)
				if err := st.Delete(b.Context(), fmt.Sprintf("bench/%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}

// benchPlainMinIO is the reference: minio-go's own streaming PutObject with
// a 16 MiB part size, no hashing, no conditional create, no staging copy.
func benchPlainMinIO(b *testing.B, cfg blob.MinIOConfig, size int64) {
	raw := rawClient(b, cfg)
	b.SetBytes(size)
	for i := 0; b.Loop(); i++ {
		_, err := raw.PutObject(b.Context(), cfg.WorkingBucket, fmt.Sprintf("plain/%d", i),
			io.LimitReader(zeroReader{}, size), -1, minio.PutObjectOptions{PartSize: blob.DefaultPartSize})
		if err != nil {
			b.Fatal(err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }
