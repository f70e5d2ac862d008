package recording

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// EBML element ids the scanner needs.
const (
	idEBML        = 0x1A45DFA3
	idSegment     = 0x18538067
	idSeekHead    = 0x114D9B74
	idInfo        = 0x1549A966
	idTracks      = 0x1654AE6B
	idCluster     = 0x1F43B675
	idCues        = 0x1C53BB6B
	idTimecode    = 0xE7
	idSimpleBlock = 0xA3
	idBlockGroup  = 0xA0
	idVoid        = 0xEC
)

// errTruncated ends a scan at an element that does not fit in the file.
var errTruncated = errors.New("element truncated")

// ebmlReader reads EBML element headers from a stream and tracks the offset.
type ebmlReader struct {
	r   *bufio.Reader
	pos int64
}

// elementHeader is an element's id, data size (-1 when unknown) and where its data starts.
type elementHeader struct {
	id    uint32
	size  int64
	start int64 // offset of the element's first byte
	data  int64 // offset of its data
}

func (e *ebmlReader) byte() (byte, error) {
	b, err := e.r.ReadByte()
	if err != nil {
		return 0, errTruncated
	}
	e.pos++
	return b, nil
}

// vint reads a variable-length integer; with marker the length marker bit is kept (ids).
func (e *ebmlReader) vint(marker bool) (v uint64, allOnes bool, err error) {
	first, err := e.byte()
	if err != nil {
		return 0, false, err
	}
	n := 1
	for mask := byte(0x80); n <= 8 && first&mask == 0; mask >>= 1 {
		n++
	}
	if n > 8 {
		return 0, false, fmt.Errorf("invalid vint at %d", e.pos-1)
	}
	v = uint64(first)
	if !marker {
		v &= uint64(0xFF >> n)
	}
	allOnes = v == uint64(0xFF>>n)
	for range n - 1 {
		b, err := e.byte()
		if err != nil {
			return 0, false, err
		}
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	return v, allOnes, nil
}

func (e *ebmlReader) header() (elementHeader, error) {
	h := elementHeader{start: e.pos}
	id, _, err := e.vint(true)
	if err != nil {
		return h, err
	}
	if id > 0xFFFFFFFF {
		return h, fmt.Errorf("invalid element id at %d", h.start)
	}
	size, unknown, err := e.vint(false)
	if err != nil {
		return h, err
	}
	h.id, h.size, h.data = uint32(id), int64(size), e.pos
	if unknown {
		h.size = -1
	}
	return h, nil
}

// skip discards n bytes; errTruncated when the stream ends first.
func (e *ebmlReader) skip(n int64) error {
	d, err := e.r.Discard(int(n))
	e.pos += int64(d)
	if err != nil {
		return errTruncated
	}
	return nil
}

func (e *ebmlReader) read(n int64) ([]byte, error) {
	if n > 1<<20 {
		return nil, fmt.Errorf("element of %d bytes at %d is too large", n, e.pos)
	}
	b := make([]byte, n)
	k, err := io.ReadFull(e.r, b)
	e.pos += int64(k)
	if err != nil {
		return nil, errTruncated
	}
	return b, nil
}

func readUint(b []byte) int64 {
	var v int64
	for _, x := range b {
		v = v<<8 | int64(x)
	}
	return v
}
