package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/signroom/signroom/internal/pdftest"
)

// TestHighlyCompressibleRecordVerifies is issue 8 item 3: a genuine record whose document
// compresses far more than 200:1 (an 8 MiB text PDF) must verify, with the default limits
// and with the tighter limits the service uses for uploads to /api/verify. The limits follow
// the sizes the signed manifest declares, not a compression ratio.
func TestHighlyCompressibleRecordVerifies(t *testing.T) {
	doc := pdftest.Minimal(1, strings.Repeat("Article 1 Signroom ", 8<<20/19))
	c := newCeremonyOf(t, testSealer, 1, 1, []DocumentPDF{{ID: "doc-en", Language: "en", Filename: "mou-en.pdf", Data: doc}})
	b := c.bundle(t)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/mou-en.pdf") && f.UncompressedSize64/f.CompressedSize64 < 200 {
			t.Fatalf("the document compresses %d:1 in the bundle; the test needs more than 200:1", f.UncompressedSize64/f.CompressedSize64)
		}
	}
	for name, lim := range map[string]Limits{"default": DefaultLimits(), "service": ServiceLimits()} {
		rep := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Limits: lim, Trust: testTrust().Trust})
		if !rep.OK() {
			t.Errorf("%s limits: a genuine, highly compressible record fails: %+v", name, rep.Failed())
		}
	}
}

// TestBombsStillRefused: a file the signed manifest does not declare (the README tag file)
// gets no such allowance and is refused past the ratio; a declared file is read no further
// than its declared size; the sealed PDF, whose size the manifest it embeds cannot declare,
// no further than MaxMemoryFile (here 32 MiB).
func TestBombsStillRefused(t *testing.T) {
	orig := newCeremony(t, testSealer, 1, 1).bundle(t)
	bomb := bytes.Repeat([]byte{'A'}, 64<<20)
	for _, name := range []string{"README.txt", PathSealedPDF} {
		b := rezip(t, orig, func(files map[string][]byte) { files[name] = bomb }, true)
		lim := DefaultLimits()
		lim.MaxMemoryFile = 32 << 20
		rep := VerifyWithLimits(context.Background(), bytes.NewReader(b), int64(len(b)), lim)
		if rep.OK() || !mentions(rep, "limit exceeded") {
			t.Errorf("%s as a 64 MiB bomb: ok=%v, failed %+v; want a size-limit failure", name, rep.OK(), rep.Failed())
		}
	}
}
