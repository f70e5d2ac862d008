// Package blobtest is the contract test suite for blob.Store
// implementations. One suite runs against every implementation:
//
//	blobtest.Run(t, func(t *testing.T) blobtest.Fixture { ... }, blobtest.Options{PartSize: 5 << 20})
//
// Each subtest asks the factory for fresh, empty buckets.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

// Fixture is one fresh pair of buckets plus optional backend checks.
type Fixture struct {
	Buckets blob.Buckets
	// CheckClean fails the test if the backend holds leftovers of failed
	// uploads (temporary files, incomplete multipart uploads, staging objects).
	CheckClean func(t *testing.T)
	// CheckRetained verifies that the backend itself (not only the Store)
	// refuses to remove the retained archive object key.
	CheckRetained func(t *testing.T, key string)
	// CheckHeld verifies that the backend itself refuses to remove the archive object key,
	// which is under legal hold and has no retention date.
	CheckHeld func(t *testing.T, key string)
}

// Options tune the suite to the implementation.
type Options struct {
	// PartSize is the store's upload part size; sizes around it and its
	// multiples are tested. 0 means 1 MiB.
	PartSize int64
	// LargeSize is the size of the streamed upload whose heap growth is
	// measured; 0 means 128 MiB. MaxHeapGrowth is its limit; 0 means 64 MiB.
	LargeSize, MaxHeapGrowth int64
}

// Run runs the contract suite. Most subtests run in parallel; the large
// upload runs alone afterwards so its heap measurement is not disturbed.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture, opts Options) {
	if opts.PartSize == 0 {
		opts.PartSize = 1 << 20
	}
	if opts.LargeSize == 0 {
		opts.LargeSize = 128 << 20
	}
	if opts.MaxHeapGrowth == 0 {
		opts.MaxHeapGrowth = 64 << 20
	}
	s := &suite{newFixture: newFixture, opts: opts}
	t.Run("contract", func(t *testing.T) {
		for _, c := range s.cases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				c.fn(t)
			})
		}
	})
	t.Run("LargeStreamHeap", s.testLargeStreamHeap)
}

type suite struct {
	newFixture func(t *testing.T) Fixture
	opts       Options
}

type testCase struct {
	name string
	fn   func(t *testing.T)
}

func (s *suite) cases() []testCase {
	return []testCase{
		{"RoundTrip", s.testRoundTrip},
		{"OverwriteRefused", s.testOverwriteRefused},
		{"Retention", s.testRetention},
		{"RetentionExpires", s.testRetentionExpires},
		{"ConcurrentSameKey", s.testConcurrentSameKey},
		{"ConcurrentDifferentKeys", s.testConcurrentDifferentKeys},
		{"NotFound", s.testNotFound},
		{"FailedUpload", s.testFailedUpload},
		{"Range", s.testRange},
		{"List", s.testList},
		{"Presign", s.testPresign},
		{"PresignExpired", s.testPresignExpired},
		{"MaxSize", s.testMaxSize},
		{"InvalidKeys", s.testInvalidKeys},
		{"Ping", s.testPing},
		{"Versions", s.testVersions},
		{"LegalHold", s.testLegalHold},
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// payload returns n deterministic bytes that differ with seed.
func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// mustPut stores data under key and checks the returned info.
func mustPut(t *testing.T, st blob.Store, key string, data []byte, opts blob.PutOptions) blob.ObjectInfo {
	t.Helper()
	info, err := st.Put(ctxT(t), key, bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(data), err)
	}
	if info.Size != int64(len(data)) || info.SHA256 != sha(data) || info.Key != key {
		t.Fatalf("Put(%q) info = %+v, want key %q size %d sha %s", key, info, key, len(data), sha(data))
	}
	return info
}

// readAll opens key and returns its bytes and info.
func readAll(t *testing.T, st blob.Store, key string) ([]byte, blob.ObjectInfo) {
	t.Helper()
	rc, info, err := st.Open(ctxT(t), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b, info
}

// wantBytes checks that key holds exactly want.
func wantBytes(t *testing.T, st blob.Store, key string, want []byte) {
	t.Helper()
	got, _ := readAll(t, st, key)
	if !bytes.Equal(got, want) {
		t.Fatalf("%q holds %d bytes (sha %s), want %d bytes (sha %s)", key, len(got), sha(got), len(want), sha(want))
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", what, err, want)
	}
}

func stores(f Fixture) map[string]blob.Store {
	return map[string]blob.Store{"working": f.Buckets.Working, "archive": f.Buckets.Archive}
}

func keyf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
