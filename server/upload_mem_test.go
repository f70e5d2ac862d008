package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

// bigPDF streams a valid one-page PDF of about size bytes: the page's content stream is
// padded with comment lines. It never holds the whole file.
func bigPDF(size int64) (io.Reader, int64) {
	head := "%PDF-1.4\n"
	obj1 := "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	obj2 := "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
	obj3 := "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n"
	line := "% padding padding padding padding padding padding padding padding padding padding\n"
	n := size / int64(len(line))
	streamLen := n * int64(len(line))
	obj4head := fmt.Sprintf("4 0 obj\n<< /Length %d >>\nstream\n", streamLen)
	obj4tail := "\nendstream\nendobj\n"
	off1 := len(head)
	off2 := off1 + len(obj1)
	off3 := off2 + len(obj2)
	off4 := off3 + len(obj3)
	xref := int64(off4+len(obj4head)) + streamLen + int64(len(obj4tail))
	trailer := fmt.Sprintf("xref\n0 5\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \n%010d 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		off1, off2, off3, off4, xref)
	prefix := head + obj1 + obj2 + obj3 + obj4head
	total := int64(len(prefix)) + streamLen + int64(len(obj4tail)+len(trailer))
	padding := io.LimitReader(repeatReader(line), streamLen)
	return io.MultiReader(strings.NewReader(prefix), padding, strings.NewReader(obj4tail+trailer)), total
}

type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	for i := 0; i < len(p); i += copy(p[i:], r) {
	}
	return len(p), nil
}

// heapPeak samples the heap in use until stopped and returns the peak.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// measuringStore records the heap peak while the PDF's Put runs: the upload path from the
// request body to the store, before pdfcpu parses the stored file (which holds its streams
// in memory) and its pages are rendered (stored by later Puts, not measured).
type measuringStore struct {
	blob.Store
	putPeak uint64
}

func (m *measuringStore) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.ObjectInfo, error) {
	if !strings.HasSuffix(key, ".pdf") {
		return m.Store.Put(ctx, key, r, o)
	}
	stop := heapPeak()
	defer func() { m.putPeak = stop() }()
	return m.Store.Put(ctx, key, r, o)
}

// TestUploadStreams uploads a 48 MiB PDF to the real local blob store and checks that the
// heap grows by far less than the file while the body goes to the store: it is streamed,
// not buffered. The parse afterwards is pdfcpu's and is only reported.
func TestUploadStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 48 MiB")
	}
	const size = 48 << 20
	local, err := blob.NewLocal(t.TempDir(), bytes.Repeat([]byte("k"), 32), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	store := &measuringStore{Store: local.Buckets().Working}
	e := newEnv(t, func(c *Config) { c.Blobs = store; c.MaxUploadBytes = 64 << 20; c.Renderer = memoryTestRenderer(t) })
	f := draftAgreement(e)
	body, total := bigPDF(size)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/agreements/"+f.id+"/documents?language=en", body)
	req.ContentLength = total
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := heapPeak()
	start := time.Now()
	res, err := e.srv.Client().Do(req)
	elapsed := time.Since(start)
	peak := stop()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("upload status %d: %s", res.StatusCode, raw)
	}
	growth := int64(store.putPeak) - int64(before.HeapInuse)
	t.Logf("uploaded %d MiB in %v; heap in use before %d MiB, peak while storing %d MiB (growth %d MiB), peak incl. pdfcpu parse %d MiB",
		total>>20, elapsed.Round(time.Millisecond), before.HeapInuse>>20, store.putPeak>>20, growth>>20, peak>>20)
	if growth > 8<<20 {
		t.Fatalf("heap grew by %d MiB while storing a %d MiB upload: the body is being buffered", growth>>20, size>>20)
	}
}
