package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/signroom/signroom/pdfcheck"
)

// maxParallelParses bounds how many PDFs are inspected and parsed at once; each stays within
// pdfcheck.DefaultLimits (about 256 MiB, see docs/benchmarks.md).
const maxParallelParses = 2

// pdfChecker inspects stored PDFs (pdfcheck) to refuse bombs, active content, broken and
// encrypted files.
type pdfChecker struct {
	tempDir string
	slots   chan struct{}
	limits  pdfcheck.Limits
}

func newPDFChecker(tempDir string) *pdfChecker {
	return &pdfChecker{tempDir: tempDir, slots: make(chan struct{}, maxParallelParses), limits: pdfcheck.DefaultLimits()}
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

// check inspects and parses the spooled PDF, at most maxParallelParses at a time, and
// returns its page count.
func (p *pdfChecker) check(ctx context.Context, f *os.File) (int, error) {
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("check pdf: %w", err)
	}
	pages, err := pdfcheck.Check(f, st.Size(), p.limits)
	return pages, pdfError(err)
}

// pdfError turns a pdfcheck refusal into the API error the uploader sees.
func pdfError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pdfcheck.ErrEncrypted):
		return errPDF("the PDF is encrypted; upload it without a password or encryption")
	case errors.Is(err, pdfcheck.ErrActive):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "pdf_active_content", Message: "the PDF carries active content (" +
			strings.TrimPrefix(err.Error(), pdfcheck.ErrActive.Error()+": ") + "), which could make it show or do other than what is signed; " +
			"remove it (for example print the document to a new PDF) and upload again"}
	case errors.Is(err, pdfcheck.ErrLimit):
		return &apiError{Status: http.StatusUnprocessableEntity, Code: "pdf_too_complex", Message: "the PDF is too complex to accept: " +
			strings.TrimPrefix(err.Error(), pdfcheck.ErrLimit.Error()+": ")}
	case errors.Is(err, pdfcheck.ErrInvalid):
		return errPDF("the PDF " + strings.TrimPrefix(err.Error(), pdfcheck.ErrInvalid.Error()+": "))
	}
	return err
}
