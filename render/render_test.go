package render_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/signroom/signroom/internal/pdftest"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
)

var mou = [][]string{
	{"Memorandum of Understanding", "강원도와 남경시는 전자상거래 협력에 합의한다", "江原道与南京市跨境电商合作备忘录"},
	{"Article 2 (Cooperation)", "제2조 협력 분야", "第二条 合作领域"},
}

func renderAll(t *testing.T, e *render.Engine, pdf []byte) ([]render.Page, error) {
	t.Helper()
	var pages []render.Page
	n, err := e.Render(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), func(p render.Page) error {
		pages = append(pages, p)
		return nil
	})
	if err == nil && n != len(pages) {
		t.Fatalf("Render returned %d pages, emitted %d", n, len(pages))
	}
	return pages, err
}

func TestRenderPagesImagesAndText(t *testing.T) {
	e := rendertest.Engine(t)
	pages, err := renderAll(t, e, pdftest.Text(mou))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 2 {
		t.Fatalf("got %d pages, want 2", len(pages))
	}
	for i, p := range pages {
		if p.Index != i || p.WidthPt != 595 || p.HeightPt != 842 {
			t.Errorf("page %d: index %d size %v×%v, want %d and 595×842", i, p.Index, p.WidthPt, p.HeightPt, i)
		}
		img := decode(t, p.Image)
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != p.ImageWidth || h != p.ImageHeight || w != 991 || h != 1403 {
			t.Errorf("page %d image %d×%d (says %d×%d), want 991×1403 at 120 dpi", i, w, h, p.ImageWidth, p.ImageHeight)
		}
		th := decode(t, p.Thumb)
		if th.Bounds().Dx() != render.DefaultThumbWidth || th.Bounds().Dy() != p.ThumbHeight {
			t.Errorf("page %d thumbnail %v, want %d wide", i, th.Bounds(), render.DefaultThumbWidth)
		}
		for _, line := range mou[i] {
			if !strings.Contains(p.Text, line) {
				t.Errorf("page %d text %q lacks %q", i, p.Text, line)
			}
		}
	}
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a JPEG: %v", err)
	}
	return img
}

// ink counts dark pixels in the band of the page where the Korean and Chinese lines are.
func ink(t *testing.T, jpg []byte) int {
	img := decode(t, jpg)
	b := img.Bounds()
	n := 0
	for y := b.Dy() * 105 / 1000; y < b.Dy()*17/100; y++ {
		for x := 0; x < b.Dx()/2; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				n++
			}
		}
	}
	return n
}

// TestCJKTextNeedsAHostFont shows what a missing CJK font does: the page's Korean and
// Chinese text (fonts named but not embedded, as on the sealed signature page) is drawn
// with the host's CJK font when one is mounted, and not drawn at all without one, while the
// extracted text is the same.
func TestCJKTextNeedsAHostFont(t *testing.T) {
	with := rendertest.Engine(t)
	if !with.HasCJKFont() {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no CJK font in %v: .ci/run must install fonts-noto-cjk", with.FontDirs())
		}
		t.Skipf("no CJK font in %v (install fonts-noto-cjk)", with.FontDirs())
	}
	without := rendertest.New(t, render.Config{FontDirs: []string{t.TempDir()}})
	if without.HasCJKFont() {
		t.Fatal("an empty font directory reports a CJK font")
	}
	pdf := pdftest.Text(mou[:1])
	a, err := renderAll(t, with, pdf)
	if err != nil {
		t.Fatal(err)
	}
	b, err := renderAll(t, without, pdf)
	if err != nil {
		t.Fatal(err)
	}
	inkWith, inkWithout := ink(t, a[0].Image), ink(t, b[0].Image)
	t.Logf("dark pixels of the CJK lines: %d with fonts, %d without", inkWith, inkWithout)
	if inkWith < 2000 || inkWithout > inkWith/10 {
		t.Errorf("CJK ink with a font %d, without %d: want the font to draw the text and its absence to leave it out", inkWith, inkWithout)
	}
	if a[0].Text != b[0].Text {
		t.Errorf("extracted text depends on fonts: %q vs %q", a[0].Text, b[0].Text)
	}
}

func encrypted(t *testing.T) []byte {
	var out bytes.Buffer
	pdf := pdftest.Minimal(1, "secret")
	if err := api.Encrypt(bytes.NewReader(pdf), &out, model.NewAESConfiguration("user-pw", "owner-pw", 256)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestRefusesWhatCannotBeRendered(t *testing.T) {
	e := rendertest.New(t, render.Config{MaxPages: 3})
	cases := []struct {
		name, want string
		pdf        []byte
	}{
		{"garbage", "cannot read", []byte("%PDF-1.7\nthis is no PDF at all\n%%EOF\n")},
		{"encrypted", "encrypted", encrypted(t)},
		{"too many pages", "4 pages, more than the limit of 3", pdftest.Minimal(4, "long")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := renderAll(t, e, c.pdf)
			if !errors.Is(err, render.ErrUnrenderable) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrUnrenderable saying %q", err, c.want)
			}
		})
	}
	if _, err := renderAll(t, e, pdftest.Minimal(3, "fine")); err != nil {
		t.Fatalf("a good PDF after refused ones: %v", err)
	}
}

func TestTimeoutInterruptsRendering(t *testing.T) {
	e := rendertest.New(t, render.Config{Timeout: 50 * time.Millisecond})
	pdf := pdftest.Scanned(3, 600, 850)
	start := time.Now()
	_, err := renderAll(t, e, pdf)
	if !errors.Is(err, render.ErrUnrenderable) || !strings.Contains(err.Error(), "took longer than") {
		t.Fatalf("err = %v, want a timeout refusal", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a 50ms timeout returned after %v", d)
	}
}

func TestConcurrentRendersAndClose(t *testing.T) {
	e := rendertest.New(t, render.Config{Workers: 2})
	pdf := pdftest.Minimal(2, "parallel")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			_, err := e.Render(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), func(render.Page) error { return nil })
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := renderAll(t, e, pdf); !errors.Is(err, render.ErrNotReady) {
		t.Fatalf("render after Close: %v, want ErrNotReady", err)
	}
}

func TestEmitErrorStops(t *testing.T) {
	e := rendertest.Engine(t)
	stop := errors.New("stop")
	pdf := pdftest.Minimal(3, "x")
	calls := 0
	_, err := e.Render(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), func(render.Page) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("err %v after %d calls, want the emit error after 1", err, calls)
	}
}

func TestLazyEngineCompilesOnFirstUse(t *testing.T) {
	idle := render.Start(render.Config{CacheDir: rendertest.CacheDir(), Lazy: true})
	if err := idle.Ping(context.Background()); err != nil {
		t.Fatalf("Ping of a lazy engine not yet started: %v, want nil", err)
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Ready(context.Background()); !errors.Is(err, render.ErrNotReady) {
		t.Fatalf("Ready after closing a lazy engine never used: %v, want ErrNotReady", err)
	}
	if err := idle.Ping(context.Background()); !errors.Is(err, render.ErrNotReady) {
		t.Fatalf("Ping after Close: %v, want ErrNotReady", err)
	}

	e := render.Start(render.Config{CacheDir: rendertest.CacheDir(), Lazy: true})
	t.Cleanup(func() { _ = e.Close() })
	pages, err := renderAll(t, e, pdftest.Minimal(2, "lazy"))
	if err != nil || len(pages) != 2 {
		t.Fatalf("first render of a lazy engine: %d pages, %v; want 2 pages", len(pages), err)
	}
}
