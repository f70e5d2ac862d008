package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/klippa-app/go-pdfium"
	pdferr "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"
)

// ErrUnrenderable is wrapped by every error that is the PDF's fault (as opposed to the
// engine's or the caller's context); its message says why in plain words.
var ErrUnrenderable = errors.New("the PDF cannot be rendered")

// Page is one rendered page.
type Page struct {
	Index       int     // 0-based
	WidthPt     float64 // page size in PDF points (1/72 inch), as displayed (rotation applied)
	HeightPt    float64
	Image       []byte // JPEG
	ImageWidth  int
	ImageHeight int
	Thumb       []byte // JPEG, Config.ThumbWidth wide
	ThumbWidth  int
	ThumbHeight int
	Text        string // the page's text, UTF-8, at most Config.MaxTextBytes
}

// Render renders every page of the PDF in r (size bytes) and hands each to emit in page
// order. It returns the number of pages. An error from emit stops the rendering and is
// returned as is.
func (e *Engine) Render(ctx context.Context, r io.ReadSeeker, size int64, emit func(Page) error) (int, error) {
	release, err := e.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	inst, err := e.pool.GetInstanceWithContext(ctx)
	if err != nil {
		return 0, fmt.Errorf("render: pdfium instance: %w", err)
	}
	stop := killOnDone(ctx, inst)
	n, err := e.renderDoc(ctx, inst, r, size, emit)
	if !stop() {
		_ = inst.Close()
	}
	if ctx.Err() != nil && err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return n, fmt.Errorf("%w: it took longer than %s to render", ErrUnrenderable, e.cfg.Timeout)
		}
		return n, ctx.Err()
	}
	return n, err
}

// killOnDone kills the instance (interrupting PDFium mid-call) if ctx ends before stop is
// called; stop reports whether it did.
func killOnDone(ctx context.Context, inst pdfium.Pdfium) (stop func() bool) {
	done := make(chan struct{})
	killed := make(chan bool, 1)
	go func() {
		select {
		case <-ctx.Done():
			_ = inst.Kill()
			killed <- true
		case <-done:
			killed <- false
		}
	}()
	return func() bool {
		close(done)
		return <-killed
	}
}

func (e *Engine) renderDoc(ctx context.Context, inst pdfium.Pdfium, r io.ReadSeeker, size int64, emit func(Page) error) (int, error) {
	doc, err := inst.OpenDocument(&requests.OpenDocument{FileReader: r, FileReaderSize: size})
	if err != nil {
		return 0, openError(err)
	}
	defer func() { _, _ = inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc.Document}) }()
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc.Document})
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: its pages cannot be counted", ErrUnrenderable)
	case count.PageCount < 1:
		return 0, fmt.Errorf("%w: it has no pages", ErrUnrenderable)
	case count.PageCount > e.cfg.MaxPages:
		return 0, fmt.Errorf("%w: it has %d pages, more than the limit of %d", ErrUnrenderable, count.PageCount, e.cfg.MaxPages)
	}
	for i := range count.PageCount {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		p, err := e.renderPage(inst, doc.Document, i)
		if err != nil {
			return i, err
		}
		if err := emit(p); err != nil {
			return i, err
		}
	}
	return count.PageCount, nil
}

func openError(err error) error {
	switch {
	case errors.Is(err, pdferr.ErrPassword), errors.Is(err, pdferr.ErrSecurity):
		return fmt.Errorf("%w: it is encrypted or needs a password", ErrUnrenderable)
	case errors.Is(err, pdferr.ErrFormat), errors.Is(err, pdferr.ErrFile):
		return fmt.Errorf("%w: PDFium cannot read it (damaged or not a PDF)", ErrUnrenderable)
	}
	return fmt.Errorf("%w: PDFium cannot open it (%s)", ErrUnrenderable, firstLine(err))
}

// renderPage renders page i to a JPEG and a thumbnail and extracts its text.
func (e *Engine) renderPage(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, i int) (Page, error) {
	page := requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: i}}
	size, err := inst.GetPageSize(&requests.GetPageSize{Page: page})
	if err != nil || size.Width <= 0 || size.Height <= 0 {
		return Page{}, fmt.Errorf("%w: page %d has no size", ErrUnrenderable, i+1)
	}
	w, h := e.pixels(size.Width, size.Height)
	res, err := inst.RenderPageInPixels(&requests.RenderPageInPixels{Page: page, Width: w, Height: h})
	if err != nil {
		return Page{}, fmt.Errorf("%w: page %d cannot be drawn (%s)", ErrUnrenderable, i+1, pageReason(err))
	}
	p := Page{Index: i, WidthPt: size.Width, HeightPt: size.Height}
	err = encodePage(&p, res.Result.RenderedImage, e.cfg.ThumbWidth)
	res.Cleanup()
	if err != nil {
		return Page{}, fmt.Errorf("render: page %d: %w", i+1, err)
	}
	text, err := inst.GetPageText(&requests.GetPageText{Page: page})
	if err != nil {
		return Page{}, fmt.Errorf("%w: the text of page %d cannot be read (%s)", ErrUnrenderable, i+1, pageReason(err))
	}
	p.Text = clipText(text.Text, e.cfg.MaxTextBytes)
	return p, nil
}

// pixels is the image size of a page of w × h points at the configured DPI, scaled down to
// at most MaxPixels pixels.
func (e *Engine) pixels(w, h float64) (int, int) {
	scale := float64(e.cfg.DPI) / 72
	if px := w * h * scale * scale; px > float64(e.cfg.MaxPixels) {
		scale *= math.Sqrt(float64(e.cfg.MaxPixels) / px)
	}
	return max(1, int(w*scale)), max(1, int(h*scale))
}

// pageReason explains a failed PDFium call; running out of the sandbox's memory is the
// common one for hostile or huge pages.
func pageReason(err error) string {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "memory") || strings.Contains(msg, "out of bounds") || strings.Contains(msg, "malloc") {
		return "it needs more memory than a page may use"
	}
	return firstLine(err)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// clipText normalises line ends and cuts s to at most n bytes on a rune boundary.
func clipText(s string, n int) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
