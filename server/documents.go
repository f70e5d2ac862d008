package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"time"
	"unicode"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/storage/blob"
)

var pdfMagic = []byte("%PDF-")

// handleUploadDocument stores one language version of the agreement's text. The PDF is the
// request body (application/pdf) or the "file" part of a multipart form; it is streamed to
// the blob store (never held whole in memory), hashed on the way, read back and parsed. A
// refused file leaves nothing behind.
func (s *Server) handleUploadDocument(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r.Context()).agr
	lang := r.URL.Query().Get("language")
	if err := s.checkUpload(a, lang); err != nil {
		s.fail(w, r, err)
		return
	}
	release, err := s.uploads.enter(r.Context())
	if err != nil {
		s.busy(w, r, err)
		return
	}
	defer release()
	body, filename, err := uploadBody(w, r, s.cfg.MaxUploadBytes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc, err := s.storeDocument(r.Context(), a.ID, lang, filename, body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, err = s.cfg.Store.UpdateAgreement(r.Context(), a.ID, func(ed *agreement.Edit) error {
		if err := s.checkUpload(ed.Agreement, lang); err != nil {
			return err
		}
		ed.Agreement.Documents = append(ed.Agreement.Documents, doc)
		ed.Record("document.uploaded", callerFrom(r.Context()).actor(), documentViewOf(doc))
		return nil
	})
	if err != nil {
		s.deleteObject(doc.ObjectKey)
		s.deletePages(a.ID, doc.ID)
		s.fail(w, r, err)
		return
	}
	s.indexPageText(r.Context(), a.ID, doc.ID)
	writeJSON(w, http.StatusCreated, documentViewOf(doc))
}

// checkUpload refuses uploads to agreements past draft, without a language, or for a
// language that already has a document.
func (s *Server) checkUpload(a *agreement.Agreement, lang string) error {
	if !a.Editable() {
		return notDraft(a)
	}
	if err := s.validate.Var(lang, "required,bcp47_language_tag"); err != nil {
		return invalidField("language", "the language query parameter must be a language tag such as ko, zh or en")
	}
	for _, d := range a.Documents {
		if strings.EqualFold(d.Language, lang) {
			return &apiError{Status: http.StatusConflict, Code: "conflict",
				Message: "the agreement already has a document in " + lang + "; delete it first"}
		}
	}
	return nil
}

// uploadBody returns the PDF stream of the request, limited to max bytes, and its file name.
func uploadBody(w http.ResponseWriter, r *http.Request, max int64) (io.Reader, string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10) // room for multipart framing
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/pdf":
		name := r.URL.Query().Get("filename")
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && name == "" {
			name = params["filename"]
		}
		return r.Body, name, nil
	case "multipart/form-data":
		return filePart(r)
	}
	return nil, "", &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: "send the PDF as application/pdf or as the \"file\" part of multipart/form-data"}
}

func filePart(r *http.Request) (io.Reader, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", badRequest("the multipart body cannot be read")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			if tooLarge(err) {
				return nil, "", errUploadTooLarge
			}
			return nil, "", badRequest("the multipart body has no \"file\" part")
		}
		if part.FormName() == "file" {
			return part, part.FileName(), nil
		}
		part.Close()
	}
}

var errUploadTooLarge = &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "the document is larger than the upload limit"}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe) || errors.Is(err, blob.ErrTooLarge)
}

// storeDocument checks the magic bytes, streams body into the blob store, parses the stored
// object and renders its pages (docpages); on any failure the object is deleted again.
func (s *Server) storeDocument(ctx context.Context, agreementID, lang, filename string, body io.Reader) (agreement.Document, error) {
	head := make([]byte, len(pdfMagic))
	if n, err := io.ReadFull(body, head); err != nil || !bytes.Equal(head[:n], pdfMagic) {
		if tooLarge(err) {
			return agreement.Document{}, errUploadTooLarge
		}
		return agreement.Document{}, errPDF("the file is not a PDF: it does not start with %PDF-")
	}
	if err := s.pingStore(ctx); err != nil {
		return agreement.Document{}, err
	}
	spool, err := s.pdfs.spool()
	if err != nil {
		return agreement.Document{}, err
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	id := newID()
	key := fmt.Sprintf("agreements/%s/documents/%s.pdf", agreementID, id)
	info, err := s.cfg.Blobs.Put(ctx, key, io.TeeReader(io.MultiReader(bytes.NewReader(head), body), spool),
		blob.PutOptions{ContentType: "application/pdf", MaxSize: s.cfg.MaxUploadBytes})
	if err != nil {
		if tooLarge(err) {
			return agreement.Document{}, errUploadTooLarge
		}
		return agreement.Document{}, fmt.Errorf("store document: %w: %w", storageError(err), err)
	}
	pages, err := s.pdfs.check(ctx, spool)
	if err == nil {
		_, err = s.renderPages(ctx, agreementID, id, info.SHA256, spool, info.Size)
	}
	if err != nil {
		s.deleteObject(key)
		return agreement.Document{}, err
	}
	return agreement.Document{ID: id, Language: lang, Filename: cleanFilename(filename, lang), SHA256: info.SHA256,
		Size: info.Size, Pages: pages, ObjectKey: key, CreatedAt: s.cfg.Now().UTC()}, nil
}

// storePingTimeout bounds the reachability check before an upload: an unreachable store is
// answered at once with 503, not after the S3 client's retries.
const storePingTimeout = 2 * time.Second

// pingStore fails fast with 503 storage_unavailable when the working store does not answer.
func (s *Server) pingStore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, storePingTimeout)
	defer cancel()
	if err := s.cfg.Blobs.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", storageError(err), err)
	}
	return nil
}

// deleteTimeout bounds removing what a refused or deleted upload left in the store.
const deleteTimeout = 30 * time.Second

// deleteObject removes an object that must not stay, with its own deadline so that a
// cancelled request still cleans up.
func (s *Server) deleteObject(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), deleteTimeout)
	defer cancel()
	if err := s.cfg.Blobs.Delete(ctx, key); err != nil && !errors.Is(err, blob.ErrNotFound) {
		s.log.Error("delete refused document", "key", key, "err", err)
	}
}

func cleanFilename(name, lang string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = lang + ".pdf"
	}
	if len([]rune(name)) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// handleDeleteDocument removes a document from a draft, then its stored object.
func (s *Server) handleDeleteDocument(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("docID")
	var key, agreementID string
	saved := s.editDraft(w, r, http.StatusOK, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		i := indexOf(a.Documents, func(d agreement.Document) bool { return d.ID == id })
		if i < 0 {
			return nil, notFound("document", id)
		}
		key, agreementID = a.Documents[i].ObjectKey, a.ID
		ed.Record("document.deleted", callerFrom(r.Context()).actor(), documentViewOf(a.Documents[i]))
		a.Documents = append(a.Documents[:i], a.Documents[i+1:]...)
		return nil, nil
	})
	if saved {
		s.deleteObject(key)
		s.deletePages(agreementID, id)
	}
}

func (s *Server) handleDownloadDocument(w http.ResponseWriter, r *http.Request) {
	s.serveDocument(w, r, callerFrom(r.Context()).agr, r.PathValue("docID"))
}

// serveDocument streams a document with Range support; its ETag is its SHA-256.
func (s *Server) serveDocument(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, id string) {
	i := indexOf(a.Documents, func(d agreement.Document) bool { return d.ID == id })
	if i < 0 {
		s.fail(w, r, notFound("document", id))
		return
	}
	d := a.Documents[i]
	obj, err := openStored(r.Context(), s.cfg.Blobs, d.ObjectKey, "", d.Size, d.SHA256, func(err error) {
		s.log.Error("ALERT: stored document differs from its record", "agreement", a.ID, "document", d.ID, "err", err)
	})
	if err != nil {
		s.failStorage(w, r, err)
		return
	}
	defer obj.Close()
	if err := s.auditServe(r, a.ID, "document.downloaded", map[string]any{"document": d.ID, "sha256": d.SHA256}); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("ETag", `"`+d.SHA256+`"`)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(d.Filename))
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", d.CreatedAt, obj)
}
