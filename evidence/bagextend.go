package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrRecordingMismatch is wrapped by ExtendBundle's error for a recording whose bytes differ
// from the SHA-256 or size the sealed manifest gives it.
var ErrRecordingMismatch = errors.New("recording differs from the sealed manifest")

// RecordingMismatch is ExtendBundle's error for a recording whose bytes differ from the
// manifest, or that could not be read to its end (a store that finds its own copy corrupt
// stops the read); it wraps ErrRecordingMismatch.
type RecordingMismatch struct {
	Recording Recording // as the manifest lists it
	Got       string    // the SHA-256 of the bytes read; "" when the read failed
	Size      int64     // how many were read (at most one past the manifest's size)
	Err       error     // the read's error, when it failed
}

func (e *RecordingMismatch) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: unreadable after %d of %d bytes (%v): %v", ExportedRecordingPath(e.Recording), e.Size, e.Recording.Size, e.Err, ErrRecordingMismatch)
	}
	return fmt.Sprintf("%s: %d bytes with sha256 %s, the manifest says %d bytes with %s: %v",
		ExportedRecordingPath(e.Recording), e.Size, e.Got, e.Recording.Size, e.Recording.SHA256, ErrRecordingMismatch)
}

func (e *RecordingMismatch) Unwrap() error { return ErrRecordingMismatch }

// RecordingFile is the file of a recording the sealed manifest lists by hash only, to be
// added to its bag by ExtendBundle.
type RecordingFile struct {
	Recording Recording // as the manifest lists it
	Open      func(ctx context.Context) (io.ReadCloser, error)
}

// Extension is what ExtendBundle adds to a sealed bundle.
type Extension struct {
	Recordings []RecordingFile
	// Copied, when set, runs once the bundle's own entries are copied and before any
	// recording is written; an error stops the extension with that error.
	Copied func() error
}

// ExtendBundle writes to w the sealed bundle src (a ZIP holding one bag, as WriteBundle
// makes it) with the files of its hash-only recordings added at ExportedRecordingPath, as a
// valid bag again: every entry of src is copied as it is (its compressed bytes), except the
// payload manifest, bag-info.txt and the tag manifest, which are written anew with the
// recordings listed and the Payload-Oxum counted (payload or tag manifests of algorithms
// other than SHA-256 are left out). Each recording is streamed, stored uncompressed, and
// hashed as it passes: bytes that differ from the manifest's SHA-256 or size stop the write
// with ErrRecordingMismatch, and w then holds an incomplete ZIP to be discarded. Nothing is
// held whole in memory but the tag files. The signed manifest is not changed: a verifier
// finds each added file by the manifest's listing of its recording.
func ExtendBundle(ctx context.Context, w io.Writer, src *zip.Reader, ext Extension) error {
	return extendBundle(ctx, w, src, ext, false)
}

// ExtendedSize is the number of bytes ExtendBundle writes for src and ext, computed without
// reading the recordings or the entries' bytes (only src's tag files and manifest).
func ExtendedSize(ctx context.Context, src *zip.Reader, ext Extension) (int64, error) {
	var n countWriter
	err := extendBundle(ctx, &n, src, ext, true)
	return int64(n), err
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// extender is one ExtendBundle run; dry writes zeros of the right lengths instead of bytes.
type extender struct {
	ctx      context.Context
	zw       *zip.Writer
	src      *zip.Reader
	dir      string
	dry      bool
	files    map[string]*zip.File // by bag path
	payload  []manifestLine
	tagSums  map[string]string // tag file -> sha256, for the tag manifest
	oxumSize int64
	oxumN    int
}

func extendBundle(ctx context.Context, w io.Writer, src *zip.Reader, ext Extension, dry bool) error {
	x := &extender{ctx: ctx, zw: zip.NewWriter(w), src: src, dry: dry, files: map[string]*zip.File{}, tagSums: map[string]string{}}
	if err := x.index(); err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	m, err := x.manifest()
	if err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	if err := x.checkAdditions(m, ext.Recordings); err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	if err := x.readManifests(); err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	if err := x.copyEntries(); err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	if ext.Copied != nil && !dry {
		if err := ext.Copied(); err != nil {
			return err
		}
	}
	for _, rf := range ext.Recordings {
		if err := x.addRecording(rf); err != nil {
			return fmt.Errorf("extend bundle: %w", err)
		}
	}
	if err := x.writeTags(); err != nil {
		return fmt.Errorf("extend bundle: %w", err)
	}
	return x.zw.Close()
}

// index maps src's files by bag path, refusing a ZIP that is not one bag directory.
func (x *extender) index() error {
	for _, f := range x.src.File {
		top, rel, _ := strings.Cut(f.Name, "/")
		if x.dir == "" {
			x.dir = top
		}
		if top != x.dir || strings.HasSuffix(f.Name, "/") {
			if strings.HasSuffix(f.Name, "/") && top == x.dir {
				continue
			}
			return fmt.Errorf("%w: entry %q outside the bag directory %q", ErrBundle, f.Name, x.dir)
		}
		if _, dup := x.files[rel]; dup || rel == "" {
			return fmt.Errorf("%w: duplicate or empty entry %q", ErrBundle, f.Name)
		}
		x.files[rel] = f
	}
	return nil
}

func (x *extender) readFile(rel string, max int64) ([]byte, error) {
	f, ok := x.files[rel]
	if !ok {
		return nil, fmt.Errorf("%w: %s missing", ErrBundle, rel)
	}
	if f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("%w: %s larger than %d bytes", ErrBundle, rel, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBundle, rel, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBundle, rel, err)
	}
	return b, nil
}

func (x *extender) manifest() (Manifest, error) {
	b, err := x.readFile(PathManifest, 64<<20)
	if err != nil {
		return Manifest{}, err
	}
	return ParseManifest(b)
}

// checkAdditions accepts only hash-only recordings of the manifest, each once, not in src.
func (x *extender) checkAdditions(m Manifest, add []RecordingFile) error {
	listed := map[string]Recording{}
	for _, r := range m.Recordings {
		if r.Path == "" {
			listed[ExportedRecordingPath(r)] = r
		}
	}
	seen := map[string]bool{}
	for _, rf := range add {
		p := ExportedRecordingPath(rf.Recording)
		r, ok := listed[p]
		switch {
		case !ok || r.SHA256 != rf.Recording.SHA256 || r.Size != rf.Recording.Size || rf.Recording.Path != "":
			return fmt.Errorf("%w: recording %s/%s is not one the manifest lists by hash only", ErrBundle, rf.Recording.ParticipantID, rf.Recording.Filename)
		case seen[p] || x.files[p] != nil:
			return fmt.Errorf("%w: %s twice", ErrBundle, p)
		}
		seen[p] = true
	}
	return nil
}

// readManifests reads src's payload lines and tag sums (SHA-256 only).
func (x *extender) readManifests() error {
	for _, name := range []string{"manifest-sha256.txt", "tagmanifest-sha256.txt"} {
		b, err := x.readFile(name, 16<<20)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			sum, p, ok := strings.Cut(sc.Text(), " ")
			p = strings.TrimLeft(p, " \t")
			if !ok || len(sum) != 64 || p == "" {
				return fmt.Errorf("%w: %s: malformed line %q", ErrBundle, name, sc.Text())
			}
			if name == "manifest-sha256.txt" {
				x.payload = append(x.payload, manifestLine{strings.ToLower(sum), p})
			} else {
				x.tagSums[p] = strings.ToLower(sum)
			}
		}
	}
	return nil
}

// rewritten reports whether ExtendBundle writes the tag file anew (or leaves it out).
func rewritten(rel string) bool {
	return rel == "bag-info.txt" || manifestName.MatchString(rel)
}

// copyEntries copies every entry but the rewritten tag files, compressed bytes as they are.
func (x *extender) copyEntries() error {
	for _, f := range x.src.File {
		_, rel, _ := strings.Cut(f.Name, "/")
		if rel == "" || rewritten(rel) {
			continue
		}
		if err := x.ctx.Err(); err != nil {
			return err
		}
		if err := x.copyEntry(f); err != nil {
			return fmt.Errorf("copy %s: %w", rel, err)
		}
		if strings.HasPrefix(rel, "data/") {
			x.oxumSize += int64(f.UncompressedSize64)
			x.oxumN++
		}
	}
	return nil
}

func (x *extender) copyEntry(f *zip.File) error {
	if !x.dry {
		return x.zw.Copy(f)
	}
	fh := f.FileHeader
	w, err := x.zw.CreateRaw(&fh)
	if err != nil {
		return err
	}
	_, err = io.CopyN(w, zeros{}, int64(f.CompressedSize64))
	return err
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// addRecording streams one recording into the bag, checking it against the manifest.
func (x *extender) addRecording(rf RecordingFile) error {
	r := rf.Recording
	p := ExportedRecordingPath(r)
	zf, err := x.zw.CreateHeader(&zip.FileHeader{Name: x.dir + "/" + p, Method: zip.Store, Modified: x.modified()})
	if err != nil {
		return err
	}
	if x.dry {
		_, err = io.CopyN(zf, zeros{}, r.Size)
	} else {
		err = x.streamRecording(zf, rf)
	}
	if err != nil {
		return err
	}
	x.payload = append(x.payload, manifestLine{r.SHA256, p})
	x.oxumSize += r.Size
	x.oxumN++
	return nil
}

func (x *extender) streamRecording(w io.Writer, rf RecordingFile) error {
	r := rf.Recording
	rc, err := rf.Open(x.ctx)
	if err != nil {
		return fmt.Errorf("open recording %s: %w", r.Filename, err)
	}
	defer rc.Close()
	h := sha256.New()
	src := &readErrs{r: ctxReader{x.ctx, rc}}
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(src, r.Size+1))
	if err != nil && src.err != nil && x.ctx.Err() == nil {
		return &RecordingMismatch{Recording: r, Size: n, Err: src.err}
	}
	if err != nil {
		return fmt.Errorf("copy recording %s: %w", r.Filename, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != r.SHA256 || n != r.Size {
		return &RecordingMismatch{Recording: r, Got: sum, Size: n}
	}
	return nil
}

// readErrs notes the error of its reader, to tell a failed read from a failed write.
type readErrs struct {
	r   io.Reader
	err error
}

func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// ctxReader stops with the context's error once it is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// modified is the bag's own modification time (its manifest's entry), for the added files.
func (x *extender) modified() time.Time {
	if f := x.files[PathManifest]; f != nil {
		return f.Modified
	}
	return time.Time{}
}

// writeTags writes the payload manifest, bag-info.txt with the new Payload-Oxum, and the tag
// manifest listing every tag file.
func (x *extender) writeTags() error {
	info, err := x.readFile("bag-info.txt", 1<<20)
	if err != nil {
		return err
	}
	tags := []File{{Path: "manifest-sha256.txt", Data: manifestText(x.payload)}, {Path: "bag-info.txt", Data: x.bagInfo(info)}}
	for _, t := range tags {
		zf, err := x.zw.CreateHeader(&zip.FileHeader{Name: x.dir + "/" + t.Path, Method: zip.Deflate, Modified: x.modified()})
		if err != nil {
			return err
		}
		if _, err := zf.Write(t.Data); err != nil {
			return err
		}
		x.tagSums[t.Path] = sha256Hex(t.Data)
	}
	var lines []manifestLine
	for rel := range x.files {
		if strings.HasPrefix(rel, "data/") || manifestName.MatchString(rel) && rel != "manifest-sha256.txt" {
			continue
		}
		sum, ok := x.tagSums[rel]
		if !ok {
			return fmt.Errorf("%w: tag file %s not in tagmanifest-sha256.txt", ErrBundle, rel)
		}
		lines = append(lines, manifestLine{sum, rel})
	}
	zf, err := x.zw.CreateHeader(&zip.FileHeader{Name: x.dir + "/tagmanifest-sha256.txt", Method: zip.Deflate, Modified: x.modified()})
	if err != nil {
		return err
	}
	_, err = zf.Write(manifestText(lines))
	return err
}

// bagInfo is src's bag-info.txt with Payload-Oxum counting the payload written.
func (x *extender) bagInfo(old []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(old), "\n") {
		if strings.HasPrefix(line, "Payload-Oxum:") {
			line = fmt.Sprintf("Payload-Oxum: %d.%d\n", x.oxumSize, x.oxumN)
		}
		b.WriteString(line)
	}
	return b.Bytes()
}
