package server

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
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

// hostileBag is a bag of tag files whose manifest-sha256.txt fill writes.
func hostileBag(t testing.TB, fill func(w io.Writer) error) []byte {
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
	if err := fill(w); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// zipBomb is a bag whose manifest-sha256.txt inflates to n zero bytes: about n/1000 bytes
// of ZIP.
func zipBomb(t testing.TB, n int64) []byte {
	return hostileBag(t, func(w io.Writer) error {
		zeros := make([]byte, 1<<20)
		for range n >> 20 {
			if _, err := w.Write(zeros); err != nil {
				return err
			}
		}
		return nil
	})
}

// bigManifest is a bag whose manifest-sha256.txt is n bytes of well-formed lines of random
// digests: it compresses about 2:1, within every ratio limit, so the verifier reads it whole.
func bigManifest(t testing.TB, n int) []byte {
	return hostileBag(t, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		digest := make([]byte, 32)
		for i := 0; i < n; {
			rand.Read(digest)
			k, _ := fmt.Fprintf(bw, "%x data/f%08d\n", digest, i)
			i += k
		}
		return bw.Flush()
	})
}

// TestVerifyBombsBounded is issue 8 item 4: four hostile bags posted to /api/verify at once.
// Each is refused with a named limit failure (or 503 busy beyond the verifications allowed at
// once), and the heap stays within the verifications' budget: at most
// DefaultMaxVerifications × (2 × MaxMemoryFile) plus 64 MiB. The bombs are a manifest
// inflating to 2 GiB (refused by its ZIP header before inflating) and a manifest just under
// MaxMemoryFile of well-formed lines, read whole, whose lines outnumber the entries a bag may
// hold (parsing them all would cost several times the file).
func TestVerifyBombsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 4 × 2 GiB")
	}
	e := newEnv(t)
	lim := e.cfgVerifyLimits()
	budget := int64(DefaultMaxVerifications)*2*lim.MaxMemoryFile + 64<<20
	for _, c := range []struct {
		name string
		bag  []byte
	}{
		{"bomb", zipBomb(t, 2<<30)},
		{"manifest read whole", bigManifest(t, int(lim.MaxMemoryFile-1<<20))},
	} {
		body := string(c.bag)
		t.Logf("%s: %d KiB of ZIP", c.name, len(body)>>10)
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		// The heap holds garbage until the collector runs, so without a limit its peak
		// measures the collector's pacing as much as what the verifications keep. A soft
		// memory limit of the budget above what the process holds in use makes the collector
		// run before the heap passes it; the heap still passes it if the verifications
		// keep more than the budget alive.
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(before.Sys-before.HeapSys+before.HeapInuse) + budget))
		stop := heapPeak()
		var wg sync.WaitGroup
		results := make([]response, 4)
		for i := range results {
			wg.Go(func() {
				results[i] = e.do("POST", "/api/verify", e.tokens["legal"], body, "Content-Type", "application/zip")
			})
		}
		wg.Wait()
		growth := int64(stop()) - int64(before.HeapInuse)
		t.Logf("%s, 4 at once: heap growth peak %d MiB (budget %d MiB)", c.name, growth>>20, budget>>20)
		for i, r := range results {
			switch {
			case r.status == http.StatusServiceUnavailable && r.errCode() == "busy":
			case r.status == http.StatusOK && r.body["ok"] == false && strings.Contains(string(r.raw), "limit"):
			default:
				t.Errorf("%s %d: %d %.300s; want a limit failure or 503 busy", c.name, i, r.status, r.raw)
			}
		}
		if growth > budget {
			t.Errorf("%s: heap grew %d MiB under 4 at once, budget %d MiB", c.name, growth>>20, budget>>20)
		}
	}
}
