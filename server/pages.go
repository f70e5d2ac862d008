package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/render"
)

// errRendererUnavailable answers an upload while the page renderer cannot run (it failed to
// start, or the server is shutting down).
var errRendererUnavailable = &apiError{Status: http.StatusServiceUnavailable, Code: "renderer_unavailable",
	Message: "pages cannot be rendered at the moment, so the document was not accepted; try again shortly"}

// errPagesNotRendered is a document that has no rendered pages (uploaded before uploads
// were rendered).
var errPagesNotRendered = &apiError{Status: http.StatusNotFound, Code: "pages_not_rendered",
	Message: "this document has no page images; upload it again to get them"}

// renderPages renders the spooled PDF (size bytes, SHA-256 sum) of a new document into its
// page images and texts. A PDF PDFium cannot render is a 422 pdf_unrenderable; nothing of
// its pages stays stored on any error.
func (s *Server) renderPages(ctx context.Context, agreementID, docID, sum string, pdf io.ReadSeeker, size int64) (docpages.Manifest, error) {
	if s.pages == nil {
		return docpages.Manifest{}, errRendererUnavailable
	}
	if _, err := pdf.Seek(0, io.SeekStart); err != nil {
		return docpages.Manifest{}, fmt.Errorf("render pages: %w", err)
	}
	m, err := s.pages.Render(ctx, agreementID, docID, sum, pdf, size)
	switch {
	case err == nil:
		return m, nil
	case errors.Is(err, render.ErrUnrenderable):
		return m, &apiError{Status: http.StatusUnprocessableEntity, Code: "pdf_unrenderable",
			Message: "the PDF cannot be shown page by page: " + unrenderableReason(err) +
				"; save or print it to a new PDF and upload that"}
	case errors.Is(err, render.ErrNotReady):
		return m, fmt.Errorf("%w: %w", errRendererUnavailable, err)
	}
	return m, fmt.Errorf("render pages: %w", err)
}

// unrenderableReason is the renderer's plain-words reason without its package prefix.
func unrenderableReason(err error) string {
	if _, after, ok := strings.Cut(err.Error(), render.ErrUnrenderable.Error()+": "); ok {
		return after
	}
	return err.Error()
}

// deletePages removes a document's page images, with its own deadline like deleteObject.
func (s *Server) deletePages(agreementID, docID string) {
	if s.pages == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	if err := s.pages.Delete(ctx, agreementID, docID); err != nil {
		s.log.Error("delete page images", "agreement", agreementID, "document", docID, "err", err)
	}
}

// pagesView is the page list of one document version (GET .../pages).
type pagesView struct {
	Document  string     `json:"document"`
	Language  string     `json:"language"`
	SHA256    string     `json:"sha256"`
	PageCount int        `json:"page_count"`
	DPI       int        `json:"dpi"`
	Pages     []pageView `json:"pages"`
}

// pageView describes one page without its text (GET .../pages/{page}/text).
type pageView struct {
	Number      int     `json:"number"`
	WidthPt     float64 `json:"width_pt"`
	HeightPt    float64 `json:"height_pt"`
	ImageWidth  int     `json:"image_width"`
	ImageHeight int     `json:"image_height"`
	ThumbWidth  int     `json:"thumb_width"`
	ThumbHeight int     `json:"thumb_height"`
	TextBytes   int     `json:"text_bytes"`
}

func pagesViewOf(d agreement.Document, m docpages.Manifest) pagesView {
	v := pagesView{Document: d.ID, Language: d.Language, SHA256: d.SHA256, PageCount: len(m.Pages), DPI: m.DPI,
		Pages: make([]pageView, len(m.Pages))}
	for i, p := range m.Pages {
		v.Pages[i] = pageView{Number: p.Number, WidthPt: p.WidthPt, HeightPt: p.HeightPt, ImageWidth: p.ImageWidth,
			ImageHeight: p.ImageHeight, ThumbWidth: p.ThumbWidth, ThumbHeight: p.ThumbHeight, TextBytes: len(p.Text)}
	}
	return v
}

// documentPages finds document docID of a and reads its page manifest, checking that the
// pages were rendered from this very version of the PDF.
func (s *Server) documentPages(ctx context.Context, a *agreement.Agreement, docID string) (agreement.Document, docpages.Manifest, error) {
	i := indexOf(a.Documents, func(d agreement.Document) bool { return d.ID == docID })
	if i < 0 {
		return agreement.Document{}, docpages.Manifest{}, notFound("document", docID)
	}
	d := a.Documents[i]
	if s.pages == nil {
		return d, docpages.Manifest{}, errPagesNotRendered
	}
	m, err := s.pages.Manifest(ctx, a.ID, d.ID)
	switch {
	case errors.Is(err, docpages.ErrNotRendered):
		return d, m, errPagesNotRendered
	case err != nil:
		return d, m, fmt.Errorf("%w: %w", storageError(err), err)
	case m.SourceSHA256 != d.SHA256:
		s.log.Error("ALERT: page images belong to another version of the document", "agreement", a.ID, "document", d.ID)
		return d, m, fmt.Errorf("%w: pages rendered from sha256 %s, document is %s", storageError(errIntegrity), m.SourceSHA256, d.SHA256)
	}
	return d, m, nil
}

// pageNumber reads the {page} path value: 1 to the document's page count.
func pageNumber(r *http.Request, m docpages.Manifest) (docpages.Page, error) {
	n, err := strconv.Atoi(r.PathValue("page"))
	if err != nil || n < 1 || n > len(m.Pages) {
		return docpages.Page{}, &apiError{Status: http.StatusNotFound, Code: "not_found",
			Message: fmt.Sprintf("page %q not found: the document has pages 1 to %d", r.PathValue("page"), len(m.Pages))}
	}
	return m.Pages[n-1], nil
}

// pageHandler serves one view of a document's pages for the agreement that agr finds.
type pageHandler func(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, d agreement.Document, m docpages.Manifest)

// pagesRoute adapts h to a route: agr loads the agreement the caller may read.
func (s *Server) pagesRoute(agr func(*http.Request) (*agreement.Agreement, error), h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := agr(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d, m, err := s.documentPages(r.Context(), a, r.PathValue("docID"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, a, d, m)
	}
}

// staffAgreement is the agreement {id} the guard already loaded for a staff caller.
func staffAgreement(r *http.Request) (*agreement.Agreement, error) {
	return callerFrom(r.Context()).agr, nil
}

func (s *Server) servePageList(w http.ResponseWriter, _ *http.Request, _ *agreement.Agreement, d agreement.Document, m docpages.Manifest) {
	writeJSON(w, http.StatusOK, pagesViewOf(d, m))
}

func (s *Server) servePageText(w http.ResponseWriter, r *http.Request, _ *agreement.Agreement, d agreement.Document, m docpages.Manifest) {
	p, err := pageNumber(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("X-Document-SHA256", d.SHA256)
	_, _ = io.WriteString(w, p.Text)
}

func (s *Server) servePageImage(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, d agreement.Document, m docpages.Manifest) {
	s.serveImage(w, r, a, d, m, false)
}

func (s *Server) servePageThumb(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, d agreement.Document, m docpages.Manifest) {
	s.serveImage(w, r, a, d, m, true)
}

// serveImage streams a page image or thumbnail, checked against the manifest's size and
// SHA-256 as it passes (like the PDF itself); its ETag is that hash, and it never changes
// for this document id, so the browser may keep it for the ceremony's length.
func (s *Server) serveImage(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, d agreement.Document, m docpages.Manifest, thumb bool) {
	p, err := pageNumber(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	size, sum := p.ImageSize, p.ImageSHA256
	if thumb {
		size, sum = p.ThumbSize, p.ThumbSHA256
	}
	key := docpages.Key(a.ID, d.ID, p.Number, thumb)
	obj, err := openStored(r.Context(), s.cfg.Blobs, key, "", size, sum, func(err error) {
		s.log.Error("ALERT: stored page image differs from its record", "agreement", a.ID, "document", d.ID, "page", p.Number, "err", err)
	})
	if err != nil {
		s.failStorage(w, r, err)
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("ETag", `"`+sum+`"`)
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("X-Document-SHA256", d.SHA256)
	http.ServeContent(w, r, "", m.RenderedAt, obj)
}
