// Package docpages keeps the rendered pages of an agreement's documents in the working store:
// at upload every page of a PDF is rendered (package render) to a JPEG and a thumbnail and its
// text is extracted; the images and a manifest holding sizes and texts are stored beside the
// PDF. The ceremony's document view and the organizer console read them back from here.
//
// # Layout
//
// For the document {doc} of agreement {id}:
//
//	agreements/{id}/documents/{doc}/pages.json     the Manifest (written last)
//	agreements/{id}/documents/{doc}/pages/{n}.jpg  page n (1-based), render.Config.DPI
//	agreements/{id}/documents/{doc}/thumbs/{n}.jpg its thumbnail
//
// A document counts as rendered only when its manifest exists; a failed rendering removes
// what it wrote. Page images are derived data: they are not part of the evidence, which
// holds the PDF itself.
package docpages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/storage/blob"
)

// maxManifestBytes bounds the manifest read back (texts are cut per page by the renderer).
const maxManifestBytes = 64 << 20

// ErrNotRendered is returned for a document without rendered pages (uploaded before page
// rendering existed, or not found).
var ErrNotRendered = errors.New("docpages: document has no rendered pages")

// Manifest describes a rendered document.
type Manifest struct {
	// SourceSHA256 is the SHA-256 of the PDF the pages were rendered from: pages are read
	// only for the document version that has this hash.
	SourceSHA256 string    `json:"source_sha256"`
	Pages        []Page    `json:"pages"`
	RenderedAt   time.Time `json:"rendered_at"`
	DPI          int       `json:"dpi"`
}

// Page is one page of a Manifest.
type Page struct {
	Number      int     `json:"number"` // 1-based
	WidthPt     float64 `json:"width_pt"`
	HeightPt    float64 `json:"height_pt"`
	ImageWidth  int     `json:"image_width"`
	ImageHeight int     `json:"image_height"`
	ImageSHA256 string  `json:"image_sha256"`
	ImageSize   int64   `json:"image_size"`
	ThumbWidth  int     `json:"thumb_width"`
	ThumbHeight int     `json:"thumb_height"`
	ThumbSHA256 string  `json:"thumb_sha256"`
	ThumbSize   int64   `json:"thumb_size"`
	Text        string  `json:"text"`
}

// Renderer is what the store needs of a page renderer; *render.Engine implements it.
type Renderer interface {
	Render(ctx context.Context, r io.ReadSeeker, size int64, emit func(render.Page) error) (int, error)
}

// Store renders documents and keeps their pages in a blob store.
type Store struct {
	blobs    blob.Store
	renderer Renderer
	dpi      int
	now      func() time.Time
}

// New returns a Store writing to blobs (the working bucket). dpi is recorded in manifests.
func New(blobs blob.Store, r Renderer, dpi int) *Store {
	return &Store{blobs: blobs, renderer: r, dpi: dpi, now: time.Now}
}

func prefix(agreementID, docID string) string {
	return fmt.Sprintf("agreements/%s/documents/%s/", agreementID, docID)
}

// Prefix is the key prefix under which a document's pages are stored.
func Prefix(agreementID, docID string) string { return prefix(agreementID, docID) }

// Key returns the object key of page n (1-based) of a document, or of its thumbnail.
func Key(agreementID, docID string, n int, thumb bool) string {
	dir := "pages"
	if thumb {
		dir = "thumbs"
	}
	return fmt.Sprintf("%s%s/%d.jpg", prefix(agreementID, docID), dir, n)
}

// Render renders the PDF in r (size bytes, SHA-256 sourceSHA256) and stores its pages. On
// any error nothing of the document's pages stays stored; errors of the PDF itself wrap
// render.ErrUnrenderable.
func (s *Store) Render(ctx context.Context, agreementID, docID, sourceSHA256 string, r io.ReadSeeker, size int64) (Manifest, error) {
	m := Manifest{SourceSHA256: sourceSHA256, DPI: s.dpi, Pages: []Page{}}
	_, err := s.renderer.Render(ctx, r, size, func(p render.Page) error {
		pg, err := s.putPage(ctx, agreementID, docID, p)
		m.Pages = append(m.Pages, pg)
		return err
	})
	if err == nil {
		m.RenderedAt = s.now().UTC()
		err = s.putManifest(ctx, agreementID, docID, m)
	}
	if err != nil {
		_ = s.Delete(context.WithoutCancel(ctx), agreementID, docID) // best effort: the error that matters is err
		return Manifest{}, err
	}
	return m, nil
}

func (s *Store) putPage(ctx context.Context, agreementID, docID string, p render.Page) (Page, error) {
	n := p.Index + 1
	img, err := s.put(ctx, Key(agreementID, docID, n, false), p.Image)
	if err != nil {
		return Page{}, err
	}
	th, err := s.put(ctx, Key(agreementID, docID, n, true), p.Thumb)
	if err != nil {
		return Page{}, err
	}
	return Page{Number: n, WidthPt: p.WidthPt, HeightPt: p.HeightPt, ImageWidth: p.ImageWidth,
		ImageHeight: p.ImageHeight, ImageSHA256: img.SHA256, ImageSize: img.Size, ThumbWidth: p.ThumbWidth,
		ThumbHeight: p.ThumbHeight, ThumbSHA256: th.SHA256, ThumbSize: th.Size, Text: p.Text}, nil
}

func (s *Store) put(ctx context.Context, key string, b []byte) (blob.ObjectInfo, error) {
	info, err := s.blobs.Put(ctx, key, bytes.NewReader(b), blob.PutOptions{ContentType: "image/jpeg"})
	if err != nil {
		return info, fmt.Errorf("store page image: %w", err)
	}
	return info, nil
}

func (s *Store) putManifest(ctx context.Context, agreementID, docID string, m Manifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("page manifest: %w", err)
	}
	_, err = s.blobs.Put(ctx, prefix(agreementID, docID)+"pages.json", bytes.NewReader(b),
		blob.PutOptions{ContentType: "application/json"})
	if err != nil {
		return fmt.Errorf("store page manifest: %w", err)
	}
	return nil
}

// Manifest reads a document's manifest; ErrNotRendered when it has none.
func (s *Store) Manifest(ctx context.Context, agreementID, docID string) (Manifest, error) {
	rc, _, err := s.blobs.Open(ctx, prefix(agreementID, docID)+"pages.json")
	if errors.Is(err, blob.ErrNotFound) {
		return Manifest{}, ErrNotRendered
	}
	if err != nil {
		return Manifest{}, fmt.Errorf("open page manifest: %w", err)
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(rc, maxManifestBytes)).Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("read page manifest: %w", err)
	}
	return m, nil
}

// OpenImage opens page n's image (or thumbnail); ErrNotRendered when it does not exist.
func (s *Store) OpenImage(ctx context.Context, agreementID, docID string, n int, thumb bool) (io.ReadCloser, blob.ObjectInfo, error) {
	rc, info, err := s.blobs.Open(ctx, Key(agreementID, docID, n, thumb))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, info, ErrNotRendered
	}
	if err != nil {
		return nil, info, fmt.Errorf("open page image: %w", err)
	}
	return rc, info, nil
}

// Delete removes every stored page object of a document.
func (s *Store) Delete(ctx context.Context, agreementID, docID string) error {
	objs, err := s.blobs.List(ctx, prefix(agreementID, docID))
	if err != nil {
		return fmt.Errorf("list page objects: %w", err)
	}
	var errs []error
	for _, o := range objs {
		if err := s.blobs.Delete(ctx, o.Key); err != nil && !errors.Is(err, blob.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("delete page objects: %w", err)
	}
	return nil
}
