package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// pdfcpuConfigOnce turns off pdfcpu's habit of writing a configuration file into the user's
// config directory the first time a configuration is made (api.DisableConfigDir sets a
// pdfcpu package variable; it is done once, before any use).
var pdfcpuConfigOnce sync.Once

// maxParallelParses bounds how many PDFs are parsed at once: pdfcpu holds a file's streams
// in memory while parsing, so peak memory is about this many times the upload limit.
const maxParallelParses = 2

// pdfChecker parses stored PDFs with pdfcpu to refuse broken and encrypted files.
type pdfChecker struct {
	tempDir string
	slots   chan struct{}
}

func newPDFChecker(tempDir string) *pdfChecker {
	pdfcpuConfigOnce.Do(api.DisableConfigDir)
	return &pdfChecker{tempDir: tempDir, slots: make(chan struct{}, maxParallelParses)}
}

// errPDF is a PDF refused for its content; the message says why.
func errPDF(reason string) error {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_pdf", Message: reason}
}

// spool creates the temporary file an upload is copied into while it streams to the store,
// so that the parser (which needs to seek) reads the same bytes without fetching them back.
func (p *pdfChecker) spool() (*os.File, error) {
	if p.tempDir != "" {
		if err := os.MkdirAll(p.tempDir, 0o700); err != nil {
			return nil, fmt.Errorf("check pdf: %w", err)
		}
	}
	f, err := os.CreateTemp(p.tempDir, "signroom-pdf-*")
	if err != nil {
		return nil, fmt.Errorf("check pdf: %w", err)
	}
	return f, nil
}

// check parses and validates the spooled PDF, at most maxParallelParses at a time, and
// returns its page count.
func (p *pdfChecker) check(ctx context.Context, f *os.File) (int, error) {
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return parsePDF(f)
}

// parsePDF parses and validates (relaxed mode) the PDF in rs and returns its page count.
// Encrypted PDFs are refused: the signed text must be readable by everyone, forever.
func parsePDF(rs io.ReadSeeker) (pages int, err error) {
	defer func() {
		if v := recover(); v != nil {
			pages, err = 0, errPDF("the PDF could not be parsed")
		}
	}()
	if err := checkEOFMarker(rs); err != nil {
		return 0, err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := api.ReadContext(rs, conf)
	if err != nil {
		return 0, pdfReadError(err)
	}
	if ctx.Encrypt != nil || ctx.E != nil {
		return 0, errPDF("the PDF is encrypted; upload it without a password or encryption")
	}
	if err := api.ValidateContext(ctx); err != nil {
		return 0, errPDF("the PDF is damaged: " + shortReason(err))
	}
	if ctx.PageCount < 1 {
		return 0, errPDF("the PDF has no pages")
	}
	return ctx.PageCount, nil
}

// checkEOFMarker refuses a file without "%%EOF" in its last KiB: an upload cut short. Parsers
// repair such files silently, which must not happen to a text about to be signed.
func checkEOFMarker(rs io.ReadSeeker) error {
	size, err := rs.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	off := max(size-1024, 0)
	if _, err := rs.Seek(off, io.SeekStart); err != nil {
		return err
	}
	tail, err := io.ReadAll(rs)
	if err != nil {
		return err
	}
	if !bytes.Contains(tail, []byte("%%EOF")) {
		return errPDF("the PDF is truncated: it does not end with %%EOF")
	}
	return nil
}

func pdfReadError(err error) error {
	msg := strings.ToLower(err.Error())
	if errors.Is(err, pdfcpu.ErrWrongPassword) || errors.Is(err, pdfcpu.ErrUnsupportedEncryptionFeature) ||
		strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
		return errPDF("the PDF is encrypted; upload it without a password or encryption")
	}
	return errPDF("the PDF could not be parsed: " + shortReason(err))
}

// shortReason is the first line of a parser error, cut to a readable length.
func shortReason(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	s = strings.TrimPrefix(s, "pdfcpu: ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}
