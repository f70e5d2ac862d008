package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

var errLimit = errors.New("size limit exceeded")

// bag is an opened bag: files by bag-relative path, with read limits.
type bag struct {
	dir   string
	files map[string]*zip.File
	lim   Limits
	total int64
	// declared holds the sizes the signed manifest declares for payload files; such a file
	// is read up to its declared size whatever it compresses to (see declaredSizes).
	declared map[string]int64
}

// openBag indexes a ZIP holding one bag in one top-level directory,
// refusing unsafe or duplicate names and too many entries.
func openBag(r io.ReaderAt, size int64, lim Limits) (*bag, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a readable ZIP: %v", err)
	}
	if zr == nil || len(zr.File) == 0 {
		return nil, errors.New("empty ZIP")
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, fmt.Errorf("%d entries, limit %d", len(zr.File), lim.MaxEntries)
	}
	b := &bag{files: map[string]*zip.File{}, lim: lim}
	for _, f := range zr.File {
		if err := b.add(f); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (b *bag) add(f *zip.File) error {
	name := f.Name
	if !utf8.ValidString(name) || strings.ContainsAny(name, "\\\x00") || strings.HasPrefix(name, "/") || len(name) > 1024 {
		return fmt.Errorf("unsafe entry name %q", name)
	}
	isDir := strings.HasSuffix(name, "/")
	clean := strings.TrimSuffix(name, "/")
	if path.Clean(clean) != clean || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("unsafe entry name %q", name)
	}
	top, rel, _ := strings.Cut(clean, "/")
	if b.dir == "" {
		b.dir = top
	}
	if top != b.dir {
		return fmt.Errorf("entries in more than one top-level directory (%q and %q)", b.dir, top)
	}
	if isDir || rel == "" {
		if f.Mode().IsDir() || isDir {
			return nil
		}
		return fmt.Errorf("file %q outside the bag directory", name)
	}
	if _, dup := b.files[rel]; dup {
		return fmt.Errorf("duplicate entry %q", name)
	}
	if !f.Mode().IsRegular() {
		return fmt.Errorf("entry %q is not a regular file", name)
	}
	b.files[rel] = f
	return nil
}

// open returns a reader of the named file that fails once the file passes
// max bytes, the total budget, and either the size the signed manifest
// declares for it or, for a file it does not declare, the compression ratio
// limit.
func (b *bag) open(rel string, max int64) (io.ReadCloser, error) {
	f, ok := b.files[rel]
	if !ok {
		return nil, fmt.Errorf("%s: missing", rel)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %v", rel, err)
	}
	return &limitedFile{rc: rc, b: b, name: rel, max: min(max, b.capOf(rel, f))}, nil
}

// capOf is the most a file may decompress to before max and the total budget.
func (b *bag) capOf(rel string, f *zip.File) int64 {
	if d, ok := b.declared[rel]; ok {
		return d + 1 // one byte more shows a file longer than declared
	}
	if f.CompressedSize64 > 1<<40 {
		return math.MaxInt64
	}
	return int64(f.CompressedSize64)*b.lim.MaxRatio + 1<<20
}

type limitedFile struct {
	rc   io.ReadCloser
	b    *bag
	name string
	max  int64
	n    int64
}

func (l *limitedFile) Read(p []byte) (int, error) {
	n, err := l.rc.Read(p)
	l.n += int64(n)
	l.b.total += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("%s: %w (file or compression ratio)", l.name, errLimit)
	}
	if l.b.total > l.b.lim.MaxTotalSize {
		return n, fmt.Errorf("%s: %w (total)", l.name, errLimit)
	}
	return n, err
}

func (l *limitedFile) Close() error { return l.rc.Close() }

// read returns a whole file, up to MaxMemoryFile bytes, in one buffer of
// exactly the size its ZIP header states: a file whose header states more
// than it may hold is refused before anything is inflated, and the buffer
// never grows (growing would hold the old and the new buffer at once, so two
// verifications of 128 MiB files peaked at 646 MiB of heap). The ZIP reader
// fails a file that inflates to more than its header states, and the last
// read, past the end, checks its CRC.
func (b *bag) read(rel string) ([]byte, error) {
	f, ok := b.files[rel]
	if !ok {
		return nil, fmt.Errorf("%s: missing", rel)
	}
	limit := min(b.lim.MaxMemoryFile, b.capOf(rel, f))
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s: %w (file of %d bytes; at most %d read whole)", rel, errLimit, f.UncompressedSize64, limit)
	}
	rc, err := b.open(rel, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	var past [1]byte
	if n, err := rc.Read(past[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("longer than its ZIP header states")
		}
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return buf, nil
}

// parseChecksums parses a BagIt manifest: "<hex digest> <path>" per line,
// digests of size bytes, at most maxLines lines (a manifest cannot list more
// files than a bag may hold, and parsing millions of lines would cost several
// times the manifest's own size in memory).
func parseChecksums(name string, data []byte, size, maxLines int) (map[string]string, []string, error) {
	sums := map[string]string{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 4096)
	for line := 1; sc.Scan(); line++ {
		if line > maxLines {
			return nil, nil, fmt.Errorf("%s: %w (more than %d lines)", name, errLimit, maxLines)
		}
		sum, p, ok := strings.Cut(sc.Text(), " ")
		p = strings.TrimLeft(p, " \t")
		if !ok || len(sum) != 2*size || p == "" {
			return nil, nil, fmt.Errorf("%s line %d: want \"<%d hex digits> <path>\"", name, line, 2*size)
		}
		if _, err := hex.DecodeString(sum); err != nil {
			return nil, nil, fmt.Errorf("%s line %d: checksum is not hex", name, line)
		}
		if _, dup := sums[p]; dup {
			return nil, nil, fmt.Errorf("%s line %d: %s listed twice", name, line, p)
		}
		sums[p] = strings.ToLower(sum)
		order = append(order, p)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	slices.Sort(order)
	return sums, order, nil
}
