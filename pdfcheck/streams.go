package pdfcheck

import (
	"bytes"
	"compress/flate"
	"compress/lzw"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
)

// stream decodes one stream through its filter chain into a counter, refusing it as soon
// as it passes MaxStreamBytes or the file passes MaxDecodedBytes. An object stream's
// decoded objects are scanned like the file's.
func (s *scanner) stream(dict, raw []byte) error {
	s.rep.Streams++
	filters := streamFilters(dict)
	if len(filters) > s.lim.MaxFilterDepth {
		return fmt.Errorf("%w: a stream with %d filters (at most %d)", ErrLimit, len(filters), s.lim.MaxFilterDepth)
	}
	objStm := regexp.MustCompile(`/Type\s*/ObjStm\b`).Match(dict)
	w := &countingWriter{}
	if objStm {
		w.scan = s
	}
	limit := min(s.lim.MaxStreamBytes, s.lim.MaxDecodedBytes-s.rep.Decoded)
	n, _ := io.CopyN(w, decoder(bytes.NewReader(raw), filters), limit+1) // a damaged stream counts what decoded
	s.rep.Decoded += n
	if n > limit {
		return fmt.Errorf("%w: a stream decodes to more than %d bytes (%d in all at most)", ErrLimit, s.lim.MaxStreamBytes, s.lim.MaxDecodedBytes)
	}
	if objStm {
		s.rep.Objects += objStmCount(dict)
	}
	return s.counts()
}

var filterRe = regexp.MustCompile(`/Filter\s*(\[[^\]]*\]|/[^\s/<>\[\]()]+)`)
var nameRe = regexp.MustCompile(`/[^\s/<>\[\]()]+`)

// streamFilters returns the filter names of a stream dictionary, in order.
func streamFilters(dict []byte) []string {
	m := filterRe.FindSubmatch(dict)
	if m == nil {
		return nil
	}
	var out []string
	for _, raw := range nameRe.FindAll(m[1], -1) {
		n, _ := readName(raw, 1)
		out = append(out, n)
	}
	return out
}

// decoder chains the decoders of filters over r. A filter that does not expand at parse
// time (images: DCT, JPX, CCITT, JBIG2) or is unknown ends the chain: its input is counted
// as it is.
func decoder(r io.Reader, filters []string) io.Reader {
	for _, f := range filters {
		switch f {
		case "FlateDecode", "Fl":
			r = inflater(r)
		case "LZWDecode", "LZW":
			r = lzw.NewReader(r, lzw.MSB, 8)
		case "ASCIIHexDecode", "AHx":
			r = hex.NewDecoder(&hexDigits{r: r})
		case "ASCII85Decode", "A85":
			r = ascii85.NewDecoder(&until{r: r, stop: '~'})
		case "RunLengthDecode", "RL":
			r = &runLength{r: r}
		default:
			return r
		}
	}
	return r
}

// inflater reads zlib data, or raw deflate data when the zlib header is missing.
func inflater(r io.Reader) io.Reader {
	var head bytes.Buffer
	zr, err := zlib.NewReader(io.TeeReader(r, &head))
	if err != nil {
		return flate.NewReader(io.MultiReader(&head, r))
	}
	return zr
}

// hexDigits passes hex digits only, up to the ">" end marker.
type hexDigits struct{ r io.Reader }

func (h *hexDigits) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	k := 0
	for _, c := range p[:n] {
		switch {
		case c == '>':
			return k, io.EOF
		case (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'):
			p[k] = c
			k++
		}
	}
	return k, err
}

// until passes bytes up to stop.
type until struct {
	r    io.Reader
	stop byte
}

func (u *until) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if i := bytes.IndexByte(p[:n], u.stop); i >= 0 {
		return i, io.EOF
	}
	return n, err
}

// runLength decodes RunLengthDecode data (at most 128 bytes out per 2 bytes in).
type runLength struct {
	r   io.Reader
	out []byte
	buf [129]byte
}

func (rl *runLength) Read(p []byte) (int, error) {
	for len(rl.out) == 0 {
		if _, err := io.ReadFull(rl.r, rl.buf[:1]); err != nil {
			return 0, io.EOF
		}
		switch c := int(rl.buf[0]); {
		case c == 128:
			return 0, io.EOF
		case c < 128:
			if _, err := io.ReadFull(rl.r, rl.buf[:c+1]); err != nil {
				return 0, io.EOF
			}
			rl.out = rl.buf[:c+1]
		default:
			if _, err := io.ReadFull(rl.r, rl.buf[:1]); err != nil {
				return 0, io.EOF
			}
			rl.out = bytes.Repeat(rl.buf[:1], 257-c)
		}
	}
	n := copy(p, rl.out)
	rl.out = rl.out[n:]
	return n, nil
}
