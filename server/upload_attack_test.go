package server

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// pdfWith writes a one-page PDF with the given extra objects (5..) and catalog entries.
func pdfWith(catalogExtra string, extra ...string) []byte {
	objs := append([]string{
		"<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length 34 >>\nstream\nBT /F1 12 Tf 72 720 Td (MOU) Tj ET\nendstream",
	}, extra...)
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// pdfBomb is a PDF 1.5 whose cross-reference stream — which every parser must decode to
// read the file at all — inflates to about n bytes: six real entries, then zeros.
func pdfBomb(n int) []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
		"<< /Length 34 >>\nstream\nBT /F1 12 Tf 72 720 Td (MOU) Tj ET\nendstream",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	var entries bytes.Buffer
	entries.Write([]byte{0, 0, 0, 0, 0, 0xff, 0xff})
	for _, o := range objs {
		off := b.Len()
		entries.Write([]byte{1, byte(off >> 24), byte(off >> 16), byte(off >> 8), byte(off), 0, 0})
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", entries.Len()/7-1, o)
	}
	xref := b.Len()
	entries.Write([]byte{1, byte(xref >> 24), byte(xref >> 16), byte(xref >> 8), byte(xref), 0, 0})
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(entries.Bytes())
	zeros := make([]byte, 1<<20)
	for written := 0; written < n; written += len(zeros) {
		w.Write(zeros)
	}
	w.Close()
	fmt.Fprintf(&b, "6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xref)
	return b.Bytes()
}

// minioWorking is the working bucket of a fresh MinIO store.
func minioWorking(t *testing.T) blob.Store {
	t.Helper()
	b, err := blob.NewMinIO(context.Background(), blobtest.MinIO(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Working
}

// TestUploadBombsBounded is issue 8 item 2 through the real server and MinIO: four
// decompression bombs (2 MiB PDFs inflating to 2 GiB) uploaded at once are each refused
// with pdf_too_complex (or 503 busy past the uploads allowed at once), the heap stays within
// two inspections' budget, and no object or temporary file is left behind.
func TestUploadBombsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("inflates 4 × 2 GiB")
	}
	working := minioWorking(t)
	tmp := t.TempDir()
	e := newEnv(t, func(c *Config) { c.Blobs, c.TempDir, c.MaxUploadBytes = working, tmp, 16<<20 })
	f := draftAgreement(e)
	// The draft's own document: its PDF and its rendered pages.
	stored, err := working.List(context.Background(), "agreements/"+f.id+"/documents/")
	if err != nil || len(stored) == 0 {
		t.Fatalf("the draft's document in the working bucket: %d objects (%v)", len(stored), err)
	}
	bomb := pdfBomb(2 << 30)
	t.Logf("bomb: %d KiB of PDF inflating to 2 GiB", len(bomb)>>10)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := heapPeak()
	results := make([]response, 4)
	var wg sync.WaitGroup
	for i, lang := range []string{"en", "zh", "ja", "fr"} {
		wg.Go(func() {
			results[i] = e.do("POST", "/api/agreements/"+f.id+"/documents?language="+lang, e.tokens["owner"], bomb)
		})
	}
	wg.Wait()
	growth := int64(stop()) - int64(before.HeapInuse)
	t.Logf("4 bomb uploads at once: heap growth peak %d MiB", growth>>20)
	for i, r := range results {
		if !(r.status == http.StatusUnprocessableEntity && r.errCode() == "pdf_too_complex") && r.errCode() != "busy" {
			t.Errorf("bomb %d: %d %.300s; want 422 pdf_too_complex", i, r.status, r.raw)
		}
	}
	if growth > 2*256<<20 {
		t.Errorf("heap grew %d MiB under 4 bombs; budget 2 × 256 MiB", growth>>20)
	}
	objs, err := working.List(context.Background(), "agreements/"+f.id+"/documents/")
	if err != nil || len(objs) != len(stored) {
		t.Errorf("objects under the documents in the working bucket: %d (%v), want only the draft's document's %d", len(objs), err, len(stored))
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestUploadActiveContentRefused is issue 8 item 7 through the real server: a PDF that runs
// JavaScript on opening, or carries an embedded file, is refused at upload naming what was
// found, and nothing is stored.
func TestUploadActiveContentRefused(t *testing.T) {
	working := minioWorking(t)
	e := newEnv(t, func(c *Config) { c.Blobs = working })
	f := draftAgreement(e)
	// The draft's own document: its PDF and its rendered pages.
	stored, err := working.List(context.Background(), "agreements/"+f.id+"/documents/")
	if err != nil || len(stored) == 0 {
		t.Fatalf("the draft's document in the working bucket: %d objects (%v)", len(stored), err)
	}
	tests := map[string][]byte{
		"JavaScript":     pdfWith("/OpenAction << /S /JavaScript /JS (app.launchURL\\('https://example.invalid'\\)) >>"),
		"embedded files": pdfWith("/Names << /EmbeddedFiles 5 0 R >>", "<< /Names [(a.exe) 6 0 R] >>", "<< /Type /Filespec /EF << /F 7 0 R >> >>", "<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream"),
	}
	for what, pdf := range tests {
		t.Run(what, func(t *testing.T) {
			r := e.do("POST", "/api/agreements/"+f.id+"/documents?language=en", e.tokens["owner"], pdf)
			if r.status != http.StatusUnprocessableEntity || r.errCode() != "pdf_active_content" || !strings.Contains(string(r.raw), what) {
				t.Fatalf("upload with %s: %d %s; want 422 pdf_active_content naming it", what, r.status, r.raw)
			}
		})
	}
	if objs, _ := working.List(context.Background(), "agreements/"+f.id+"/documents/"); len(objs) != len(stored) {
		t.Errorf("%d objects under the documents, want only the draft's document's %d", len(objs), len(stored))
	}
}

// memoryTestRenderer is the renderer of the upload memory tests: the real one, except under
// the race detector, where PDFium reading a 60 MiB file takes minutes while the heap sampler
// stops the world every 2 ms; there a renderer that only reads the whole PDF stands in, and
// the tests measure the upload's check as before rendering existed. The renderer's own
// memory is measured without -race here and in render's BenchmarkRender
// (docs/benchmarks.md).
func memoryTestRenderer(t *testing.T) docpages.Renderer {
	if raceDetector {
		return readingRenderer{}
	}
	return rendertest.Fast(t)
}

// readingRenderer reads the whole PDF and gives one tiny page.
type readingRenderer struct{}

func (readingRenderer) Render(_ context.Context, r io.ReadSeeker, _ int64, emit func(render.Page) error) (int, error) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return 0, err
	}
	return 1, emit(render.Page{Image: []byte{0xff, 0xd8}, Thumb: []byte{0xff, 0xd8}, ImageWidth: 1, ImageHeight: 1})
}

// measuringRenderer records the heap's peak while the pages of an upload are rendered.
type measuringRenderer struct {
	docpages.Renderer
	peak uint64
}

func (m *measuringRenderer) Render(ctx context.Context, r io.ReadSeeker, size int64, emit func(render.Page) error) (int, error) {
	stop := heapPeak()
	defer func() { m.peak = stop() }()
	return m.Renderer.Render(ctx, r, size, emit)
}

// objStmPDF is a PDF whose object stream holds n small dictionaries, numbered 5.., which
// pdfcpu loads one by one: the most objects an upload may carry costs the most memory.
func objStmPDF(n int) []byte {
	var idx, body bytes.Buffer
	for i := range n {
		fmt.Fprintf(&idx, "%d %d ", 6+i, body.Len())
		fmt.Fprintf(&body, "<< /K %d /V [1 2 3] >> ", i)
	}
	data := append(idx.Bytes(), body.Bytes()...)
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(data)
	w.Close()
	return pdfWith("", fmt.Sprintf("<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", n, idx.Len(), z.Len(), z.Bytes()))
}

// TestUploadMemoryCeiling uploads, one at a time, the inputs that cost the most within the
// limits — a bomb, the most objects allowed, the largest stream a parser must inflate, a
// 60 MiB plain PDF — and reports the heap's peak growth for each, and that of rendering its
// pages alone. The check stays within pdfcheck's 256 MiB; the rendering after it within
// the renderer's WebAssembly memory cap (render.DefaultMemoryLimit, 256 MiB) and what it
// encodes; an upload's peak stays under the sum, the documented ceiling.
func TestUploadMemoryCeiling(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads large files")
	}
	// The real local store on disk, as serve's embedded default: the in-memory test store
	// would itself hold every upload on the heap being measured.
	local, err := blob.NewLocal(t.TempDir(), bytes.Repeat([]byte("k"), 32), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	rr := &measuringRenderer{Renderer: memoryTestRenderer(t)}
	e := newEnv(t, func(c *Config) { c.Blobs = local.Buckets().Working; c.MaxUploadBytes = 64 << 20; c.Renderer = rr })
	f := draftAgreement(e)
	big, _ := bigPDF(60 << 20)
	var plain bytes.Buffer
	plain.ReadFrom(big)
	inputs := []struct {
		name string
		pdf  []byte
		want int
	}{
		{"bomb (2 GiB inflated)", pdfBomb(2 << 30), http.StatusUnprocessableEntity},
		{"199,000 objects", objStmPDF(199_000), http.StatusCreated},
		{"largest stream allowed (60 MiB inflated)", pdfBomb(60 << 20), 0},
		{"60 MiB plain", plain.Bytes(), http.StatusCreated},
	}
	for i, in := range inputs {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		stop := heapPeak()
		rr.peak = 0
		r := e.do("POST", fmt.Sprintf("/api/agreements/%s/documents?language=%s", f.id, []string{"en", "zh", "ja", "fr"}[i]), e.tokens["owner"], in.pdf)
		growth := int64(stop()) - int64(before.HeapInuse)
		t.Logf("%s (%d KiB): status %d, heap growth peak %d MiB, rendering's alone %d MiB", in.name, len(in.pdf)>>10, r.status,
			growth>>20, max(0, int64(rr.peak)-int64(before.HeapInuse))>>20)
		if in.want != 0 && r.status != in.want {
			t.Errorf("%s: %d %.200s, want %d", in.name, r.status, r.raw, in.want)
		}
		if ceiling := int64(256<<20 + render.DefaultMemoryLimit); growth > ceiling {
			t.Errorf("%s: heap grew %d MiB, ceiling %d MiB", in.name, growth>>20, ceiling>>20)
		}
	}
}
