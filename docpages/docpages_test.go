package docpages_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
	"github.com/signroom/signroom/storage/blob"
)

func localStore(t *testing.T) blob.Store {
	t.Helper()
	l, err := blob.NewLocal(t.TempDir(), bytes.Repeat([]byte("k"), 32), "http://localhost", nil)
	if err != nil {
		t.Fatal(err)
	}
	return l.Buckets().Working
}

func TestRenderStoresPagesAndManifest(t *testing.T) {
	ctx := context.Background()
	blobs := localStore(t)
	s := docpages.New(blobs, rendertest.Engine(t), render.DefaultDPI)
	pdf := pdftest.Text([][]string{{"One", "第一页"}, {"Two", "둘째 쪽"}})
	m, err := s.Render(ctx, "ag1", "doc1", "pdfsha", bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Manifest(ctx, "ag1", "doc1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Pages) != 2 || got.Pages[1].Number != 2 || !strings.Contains(got.Pages[1].Text, "둘째 쪽") || got.DPI != render.DefaultDPI {
		t.Fatalf("manifest %+v", got)
	}
	if got.SourceSHA256 != "pdfsha" || got.Pages[0].ImageSize < 1000 || got.Pages[0].ThumbSize < 100 {
		t.Fatalf("manifest source %q, image %d bytes, thumbnail %d bytes", got.SourceSHA256, got.Pages[0].ImageSize, got.Pages[0].ThumbSize)
	}
	if got.Pages[0].ImageSHA256 != m.Pages[0].ImageSHA256 {
		t.Fatal("manifest read back differs from the one returned")
	}
	for _, thumb := range []bool{false, true} {
		rc, info, err := s.OpenImage(ctx, "ag1", "doc1", 2, thumb)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if info.ContentType != "image/jpeg" || !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
			t.Fatalf("page 2 (thumb %v): %s, %d bytes", thumb, info.ContentType, len(b))
		}
	}
	if _, _, err := s.OpenImage(ctx, "ag1", "doc1", 3, false); !errors.Is(err, docpages.ErrNotRendered) {
		t.Fatalf("page 3: %v, want ErrNotRendered", err)
	}
	if err := s.Delete(ctx, "ag1", "doc1"); err != nil {
		t.Fatal(err)
	}
	if objs, _ := blobs.List(ctx, "agreements/ag1/"); len(objs) != 0 {
		t.Fatalf("%d objects left after Delete", len(objs))
	}
}

// failAfter renders pages then fails, like a PDF whose third page is broken.
type failAfter struct{ pages int }

func (f failAfter) Render(_ context.Context, _ io.ReadSeeker, _ int64, emit func(render.Page) error) (int, error) {
	for i := range f.pages {
		if err := emit(render.Page{Index: i, Image: []byte{0xff, 0xd8}, Thumb: []byte{0xff, 0xd8}}); err != nil {
			return i, err
		}
	}
	return f.pages, render.ErrUnrenderable
}

func TestFailedRenderLeavesNothing(t *testing.T) {
	ctx := context.Background()
	blobs := localStore(t)
	s := docpages.New(blobs, failAfter{pages: 2}, 120)
	_, err := s.Render(ctx, "ag1", "doc1", "pdfsha", bytes.NewReader(nil), 0)
	if !errors.Is(err, render.ErrUnrenderable) {
		t.Fatalf("err = %v", err)
	}
	if objs, _ := blobs.List(ctx, "agreements/"); len(objs) != 0 {
		t.Fatalf("%d objects left after a failed render", len(objs))
	}
	if _, err := s.Manifest(ctx, "ag1", "doc1"); !errors.Is(err, docpages.ErrNotRendered) {
		t.Fatalf("manifest of a failed render: %v", err)
	}
}
