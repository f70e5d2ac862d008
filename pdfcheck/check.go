package pdfcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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

// Check reads the PDF of size bytes from r, scans it (Scan) and, if it passes, parses and
// validates it with pdfcpu in relaxed mode; it returns the page count. Every refusal wraps
// one of the package's errors with a reason fit to show the uploader.
func Check(r io.ReaderAt, size int64, lim Limits) (pages int, err error) {
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read pdf: %w", err)
	}
	if err := checkEOFMarker(data); err != nil {
		return 0, err
	}
	if _, err := Scan(data, lim); err != nil {
		return 0, err
	}
	return parse(data)
}

// checkEOFMarker refuses a file without "%%EOF" in its last KiB: an upload cut short. Parsers
// repair such files silently, which must not happen to a text about to be signed.
func checkEOFMarker(data []byte) error {
	if !bytes.Contains(data[max(len(data)-1024, 0):], []byte("%%EOF")) {
		return fmt.Errorf("%w: it is truncated (it does not end with %%%%EOF)", ErrInvalid)
	}
	return nil
}

// parse parses and validates the PDF with pdfcpu and returns its page count.
func parse(data []byte) (pages int, err error) {
	defer func() {
		if v := recover(); v != nil {
			pages, err = 0, fmt.Errorf("%w: it could not be parsed", ErrInvalid)
		}
	}()
	pdfcpuConfigOnce.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	ctx, err := api.ReadContext(bytes.NewReader(data), conf)
	if err != nil {
		return 0, readError(err)
	}
	if ctx.Encrypt != nil || ctx.E != nil {
		return 0, ErrEncrypted
	}
	if err := api.ValidateContext(ctx); err != nil {
		return 0, fmt.Errorf("%w: it is damaged: %s", ErrInvalid, shortReason(err))
	}
	if ctx.PageCount < 1 {
		return 0, fmt.Errorf("%w: it has no pages", ErrInvalid)
	}
	return ctx.PageCount, nil
}

func readError(err error) error {
	msg := strings.ToLower(err.Error())
	if errors.Is(err, pdfcpu.ErrWrongPassword) || errors.Is(err, pdfcpu.ErrUnsupportedEncryptionFeature) ||
		strings.Contains(msg, "password") || strings.Contains(msg, "encrypt") {
		return ErrEncrypted
	}
	return fmt.Errorf("%w: it could not be parsed: %s", ErrInvalid, shortReason(err))
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
