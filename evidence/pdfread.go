package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/digitorus/pdf"
)

// Bounds on reading a sealed PDF's embedded files.
const (
	maxNameTreeDepth = 8
	maxEmbeddedFiles = 10000
)

// sealedPDF is a sealed PDF whose certification signature verified.
type sealedPDF struct {
	pdfSignature
	files map[string][]byte // embedded files by EmbeddedFiles name-tree key (their bag path)
}

// readSealedPDF checks that b is sealed by a certification signature and reads its
// embedded files: the signature whose /ByteRange covers the whole file but its own value
// (so nothing was signed or updated after it) must verify, and be the one the catalog's
// /Perms /DocMDP names, with DocMDP permission 1 (no change allowed).
func readSealedPDF(b []byte, lim Limits) (sp *sealedPDF, err error) {
	defer recoverPDF(&err)
	ps, err := verifyPDFSeal(b)
	if err != nil {
		return nil, err
	}
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPDF, err)
	}
	root := r.Trailer().Key("Root")
	if err := checkDocMDP(root.Key("Perms").Key("DocMDP"), b); err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	budget := lim.MaxMemoryFile
	if err := walkNames(root.Key("Names").Key("EmbeddedFiles"), 0, func(key string, spec pdf.Value) error {
		return readEmbedded(files, key, spec, &budget)
	}); err != nil {
		return nil, err
	}
	return &sealedPDF{pdfSignature: ps, files: files}, nil
}

// checkDocMDP checks that sig is the signature covering the whole file and certifies it
// with DocMDP permission 1.
func checkDocMDP(sig pdf.Value, b []byte) error {
	if sig.Kind() != pdf.Dict {
		return fmt.Errorf("%w: not a certification signature (the catalog has no /Perms /DocMDP signature)", ErrPDF)
	}
	br, err := wholeFileByteRange(b)
	if err != nil {
		return err
	}
	got := sig.Key("ByteRange")
	for i, want := range br {
		if got.Len() != 4 || got.Index(i).Int64() != int64(want) {
			return fmt.Errorf("%w: the certification signature is not the last one: the file was signed or changed after it", ErrPDF)
		}
	}
	refs := sig.Key("Reference")
	for i := range refs.Len() {
		ref := refs.Index(i)
		if ref.Key("TransformMethod").Name() == "DocMDP" {
			if p := ref.Key("TransformParams").Key("P"); p.Kind() == pdf.Integer && p.Int64() == 1 {
				return nil
			}
			return fmt.Errorf("%w: the certification signature permits changes (DocMDP P is not 1)", ErrPDF)
		}
	}
	return fmt.Errorf("%w: the /Perms /DocMDP signature has no DocMDP signature reference", ErrPDF)
}

// walkNames calls fn for each key and value of a name tree.
func walkNames(node pdf.Value, depth int, fn func(string, pdf.Value) error) error {
	if node.Kind() != pdf.Dict {
		return nil
	}
	if depth > maxNameTreeDepth {
		return fmt.Errorf("%w: embedded files name tree deeper than %d", ErrPDF, maxNameTreeDepth)
	}
	names := node.Key("Names")
	for i := 0; i+1 < names.Len(); i += 2 {
		if err := fn(names.Index(i).Text(), names.Index(i+1)); err != nil {
			return err
		}
	}
	kids := node.Key("Kids")
	for i := range kids.Len() {
		if err := walkNames(kids.Index(i), depth+1, fn); err != nil {
			return err
		}
	}
	return nil
}

var errEmbeddedBudget = errors.New("embedded files exceed the memory limit")

// readEmbedded decodes one embedded file, charging its size to the budget.
func readEmbedded(files map[string][]byte, key string, spec pdf.Value, budget *int64) error {
	if _, dup := files[key]; dup {
		return fmt.Errorf("%w: embedded file %q twice", ErrPDF, key)
	}
	if len(files) >= maxEmbeddedFiles {
		return fmt.Errorf("%w: more than %d embedded files", ErrPDF, maxEmbeddedFiles)
	}
	ef := spec.Key("EF").Key("F")
	if ef.Kind() != pdf.Stream {
		return fmt.Errorf("%w: embedded file %q has no stream", ErrPDF, key)
	}
	rc := ef.Reader()
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, *budget+1))
	if err != nil {
		return fmt.Errorf("%w: embedded file %q: %v", ErrPDF, key, err)
	}
	if *budget -= int64(len(data)); *budget < 0 {
		return fmt.Errorf("%w: %w", ErrPDF, errEmbeddedBudget)
	}
	files[key] = data
	return nil
}
