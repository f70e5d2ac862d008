package server

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/signroom/signroom/internal/pdftest"
)

// TestVerifyGenuineCompressibleRecord is issue 8 item 3 through the real server: a record
// sealed by the service whose documents are 8 MiB text PDFs (compressing far beyond 200:1 in
// the bundle) verifies through POST /api/verify.
func TestVerifyGenuineCompressibleRecord(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxUploadBytes = 16 << 20 })
	text := strings.Repeat("Article 1 Signroom ", 8<<20/19)
	f := buildCeremonyWith(e, 1, "parallel", func(lang string) []byte { return pdftest.Minimal(1, text+lang) })
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.closeCeremony(e), http.StatusOK)
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	r := e.must(e.do("POST", "/api/verify", e.tokens["legal"], string(bundle), "Content-Type", "application/zip"), http.StatusOK)
	if ok, _ := r.body["ok"].(bool); !ok {
		t.Fatalf("a genuine record of %d bytes fails /api/verify: %s", len(bundle), failedNames(r))
	}
}

// zipBomb is a bag whose manifest-sha256.txt inflates to n zero bytes: about n/1000 bytes
// of ZIP.
func zipBomb(t testing.TB, n int64) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, name := range []string{"bagit.txt", "bag-info.txt", "tagmanifest-sha256.txt"} {
		w, _ := zw.Create("bag/" + name)
		io.WriteString(w, "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
	}
	w, err := zw.Create("bag/manifest-sha256.txt")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range n >> 20 {
		w.Write(zeros)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestVerifyBombsBounded is issue 8 item 4: four decompression bombs posted to /api/verify at
// once. Each is refused with a named limit failure (or 503 busy beyond the verifications
// allowed at once), and the heap stays within the verifications' budget: at most
// DefaultMaxVerifications × (2 × MaxMemoryFile) plus 64 MiB.
func TestVerifyBombsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 4 × 2 GiB")
	}
	e := newEnv(t)
	bomb := zipBomb(t, 2<<30)
	t.Logf("bomb: %d KiB of ZIP inflating to 2 GiB", len(bomb)>>10)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := heapPeak()
	var wg sync.WaitGroup
	results := make([]response, 4)
	for i := range results {
		wg.Go(func() {
			results[i] = e.do("POST", "/api/verify", e.tokens["legal"], string(bomb), "Content-Type", "application/zip")
		})
	}
	wg.Wait()
	growth := int64(stop()) - int64(before.HeapInuse)
	lim := e.cfgVerifyLimits()
	budget := int64(DefaultMaxVerifications)*2*lim.MaxMemoryFile + 64<<20
	t.Logf("4 bombs at once: heap growth peak %d MiB (budget %d MiB)", growth>>20, budget>>20)
	for i, r := range results {
		switch {
		case r.status == http.StatusServiceUnavailable && r.errCode() == "busy":
		case r.status == http.StatusOK && r.body["ok"] == false && strings.Contains(string(r.raw), "limit"):
		default:
			t.Errorf("bomb %d: %d %.300s; want a limit failure or 503 busy", i, r.status, r.raw)
		}
	}
	if growth > budget {
		t.Errorf("heap grew %d MiB under 4 bombs, budget %d MiB", growth>>20, budget>>20)
	}
}
