package pdfcheck

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Report is what Scan found in a file within the limits.
type Report struct {
	Objects int   // indirect objects, counting those in object streams
	Pages   int   // page objects
	Streams int   // streams
	Decoded int64 // decoded bytes of all streams
}

// scanner walks one file.
type scanner struct {
	lim       Limits
	rep       Report
	active    []string // active content found, by name
	encrypted bool
}

var objHeader = regexp.MustCompile(`\d+\s+\d+\s+obj\b`)

// Scan inspects the PDF in data. It returns ErrLimit as soon as a limit is passed,
// ErrEncrypted for an encrypted file and ErrActive naming every kind of active content
// found; decode errors in a stream end that stream's count, they are not refused here.
func Scan(data []byte, lim Limits) (Report, error) {
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return Report{}, fmt.Errorf("%w: it does not start with %%PDF-", ErrInvalid)
	}
	s := &scanner{lim: lim}
	if err := s.walk(data); err != nil {
		return s.rep, err
	}
	return s.rep, s.verdict()
}

// walk visits the text outside stream data (dictionaries, the trailer) and each stream.
func (s *scanner) walk(data []byte) error {
	for pos := 0; ; {
		i := nextStream(data, pos)
		if i < 0 {
			return s.text(data[pos:])
		}
		if err := s.text(data[pos:i]); err != nil {
			return err
		}
		dict := data[pos:i]
		if h := objHeader.FindAllIndex(dict, -1); len(h) > 0 {
			dict = dict[h[len(h)-1][0]:]
		}
		start := skipEOL(data, i+len("stream"))
		end := bytes.Index(data[start:], []byte("endstream"))
		if end < 0 {
			end = len(data) - start
		}
		if err := s.stream(dict, data[start:start+end]); err != nil {
			return err
		}
		pos = start + end
	}
}

// nextStream returns the index of the next "stream" keyword at or after pos, or -1.
func nextStream(data []byte, pos int) int {
	for {
		i := bytes.Index(data[pos:], []byte("stream"))
		if i < 0 {
			return -1
		}
		i += pos
		after := i + len("stream")
		endKw := i >= 3 && string(data[i-3:i]) == "end"
		if !endKw && after < len(data) && (data[after] == '\r' || data[after] == '\n') {
			return i
		}
		pos = after
	}
}

func skipEOL(data []byte, i int) int {
	if i < len(data) && data[i] == '\r' {
		i++
	}
	if i < len(data) && data[i] == '\n' {
		i++
	}
	return i
}

// text counts the objects in a stretch of PDF syntax and looks at its names.
func (s *scanner) text(b []byte) error {
	s.rep.Objects += len(objHeader.FindAllIndex(b, -1))
	s.names(b)
	return s.counts()
}

// counts checks the object and page limits.
func (s *scanner) counts() error {
	switch {
	case s.rep.Objects > s.lim.MaxObjects:
		return fmt.Errorf("%w: more than %d objects", ErrLimit, s.lim.MaxObjects)
	case s.rep.Pages > s.lim.MaxPages:
		return fmt.Errorf("%w: more than %d pages", ErrLimit, s.lim.MaxPages)
	}
	return nil
}

// verdict refuses an encrypted file or one with active content.
func (s *scanner) verdict() error {
	if s.encrypted {
		return ErrEncrypted
	}
	if len(s.active) > 0 {
		slices.Sort(s.active)
		return fmt.Errorf("%w: %s", ErrActive, strings.Join(slices.Compact(s.active), ", "))
	}
	return nil
}

// objStmCount reads /N of an object stream's dictionary.
func objStmCount(dict []byte) int {
	m := regexp.MustCompile(`/N\s+(\d+)`).FindSubmatch(dict)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// countingWriter counts bytes; for an object stream it also looks at the names of the
// decoded objects as they pass (with an overlap, so a name cut between two writes is seen).
type countingWriter struct {
	n    int64
	scan *scanner // nil: count only
	tail []byte
}

const scanOverlap = 1 << 10

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.scan != nil {
		buf := append(w.tail, p...)
		w.scan.namesFrom(buf, len(w.tail))
		w.tail = append(w.tail[:0], buf[max(len(buf)-scanOverlap, 0):]...)
	}
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)
