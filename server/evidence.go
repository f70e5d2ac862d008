package server

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/sealing"
	"github.com/signroom/signroom/storage/blob"
)

// handleEvidenceBundle serves the sealed agreement's evidence bundle from the archive.
func (s *Server) handleEvidenceBundle(w http.ResponseWriter, r *http.Request) {
	s.serveArtifact(w, r, artifactBundle, "application/zip")
}

// handleSealedPDF serves the sealed agreement's sealed PDF from the archive.
func (s *Server) handleSealedPDF(w http.ResponseWriter, r *http.Request) {
	s.serveArtifact(w, r, artifactPDF, "application/pdf")
}

func (s *Server) serveArtifact(w http.ResponseWriter, r *http.Request, name, ctype string) {
	s.serveArtifactOf(w, r, callerFrom(r.Context()).agr, name, ctype)
}

// serveArtifactOf serves the sealed artifact name of agreement a from the archive, pinned to
// the version archived at sealing.
func (s *Server) serveArtifactOf(w http.ResponseWriter, r *http.Request, a *agreement.Agreement, name, ctype string) {
	rec, err := s.cfg.Store.Seal(r.Context(), a.ID)
	if errors.Is(err, agreement.ErrNotFound) || (err == nil && rec.Status != agreement.SealDone) || a.State != agreement.StateSealed {
		s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_sealed", State: string(a.State), Message: "the agreement has no sealed evidence yet"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	art, ok := rec.Artifact(name)
	if !ok || s.cfg.Archive == nil {
		s.fail(w, r, fmt.Errorf("seal of %s has no %s", a.ID, name))
		return
	}
	s.checkArchived(r.Context(), a.ID, art)
	obj, err := openStored(r.Context(), s.cfg.Archive, art.ArchiveKey, art.VersionID, art.Size, art.SHA256, func(err error) {
		s.archiveAlert(r.Context(), a.ID, art, alertContentMismatch, map[string]any{"latest_version": art.VersionID, "error": err.Error()})
	})
	if err != nil {
		s.failStorage(w, r, err)
		return
	}
	defer obj.Close()
	if err := s.auditServe(r, a.ID, "evidence.downloaded", map[string]any{"artifact": art.Name, "key": art.ArchiveKey, "sha256": art.SHA256}); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", `"`+art.SHA256+`"`)
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("signroom-"+a.ID+"-"+name))
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", rec.CompletedAt, obj)
}

// auditServe records that bytes of a stored file are about to be served: every GET, a
// ranged one with its Range. A HEAD sends no bytes and is not recorded. When the event
// cannot be recorded nothing is served.
func (s *Server) auditServe(r *http.Request, agreementID, typ string, data map[string]any) error {
	if r.Method != http.MethodGet {
		return nil
	}
	if rg := r.Header.Get("Range"); rg != "" {
		data["range"] = truncate(rg, 200)
	}
	_, err := s.cfg.Store.AppendAudit(r.Context(), agreementID, agreement.AuditEntry{Type: typ, Actor: callerFrom(r.Context()).actor(), Data: data})
	if err != nil {
		return fmt.Errorf("audit %s of %s: %w", typ, agreementID, err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// handleVerify checks an uploaded evidence bundle or sealed PDF, streamed to a temporary
// file. Failed checks are a report (200, "ok": false), not an error.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	release, err := s.verifies.enter(r.Context())
	if err != nil {
		s.busy(w, r, err)
		return
	}
	defer release()
	body, err := verifyBody(w, r, s.cfg.MaxVerifyBytes)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := os.CreateTemp(s.cfg.TempDir, "signroom-verify-*")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(body, s.cfg.MaxVerifyBytes+1))
	switch {
	case tooLarge(err) || n > s.cfg.MaxVerifyBytes:
		s.fail(w, r, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: fmt.Sprintf("the file is larger than %d bytes", s.cfg.MaxVerifyBytes)})
		return
	case err != nil:
		s.fail(w, r, badRequest("the upload could not be read"))
		return
	case n == 0:
		s.fail(w, r, badRequest("send the bundle (ZIP) or sealed PDF as the request body"))
		return
	}
	trust, err := s.ownTrust(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep := evidence.VerifyFileWith(r.Context(), f, n, evidence.Options{Limits: *s.cfg.VerifyLimits, Trust: trust})
	s.log.Info("file verified", "kind", rep.Kind, "verdict", rep.Verdict(), "size", n, "failed", len(rep.Failed()))
	writeJSON(w, http.StatusOK, rep)
}

// verifyBody accepts the file as the raw body (application/zip, application/pdf,
// application/octet-stream) or as the "file" part of multipart/form-data.
func verifyBody(w http.ResponseWriter, r *http.Request, max int64) (io.Reader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/zip", "application/pdf", "application/octet-stream":
		return r.Body, nil
	case "multipart/form-data":
		part, _, err := filePart(r)
		return part, err
	}
	return nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: "send the file as application/zip, application/pdf, application/octet-stream or the \"file\" part of multipart/form-data"}
}

// handleManifestTimestamp serves the RFC 3161 token over the sealed manifest: the one
// archived at sealing, or else the supplementary one archived once a TSA answered after the
// seal (its imprint is checked against the sealed manifest's hash before it is served).
func (s *Server) handleManifestTimestamp(w http.ResponseWriter, r *http.Request) {
	a := callerFrom(r.Context()).agr
	rec, err := s.cfg.Store.Seal(r.Context(), a.ID)
	if err == nil && rec.Status == agreement.SealDone {
		if _, ok := rec.Artifact(sealing.ArtifactManifestTimestamp); ok {
			s.serveArtifactOf(w, r, a, sealing.ArtifactManifestTimestamp, "application/timestamp-reply")
			return
		}
	}
	if errors.Is(err, agreement.ErrNotFound) || (err == nil && rec.Status != agreement.SealDone) || a.State != agreement.StateSealed {
		s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_sealed", State: string(a.State), Message: "the agreement has no sealed evidence yet"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	token, err := s.supplementaryTimestamp(r, rec)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.auditServe(r, a.ID, "evidence.downloaded", map[string]any{"artifact": sealing.ArtifactManifestTimestamp, "supplementary": true}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape("signroom-"+a.ID+"-"+sealing.ArtifactManifestTimestamp))
	w.Header().Set("Cache-Control", "private, no-cache")
	_, _ = w.Write(token)
}

// supplementaryTimestamp reads the token archived after sealing and checks it is over the
// sealed manifest; none yet is 404 not_time_stamped.
func (s *Server) supplementaryTimestamp(r *http.Request, rec agreement.Seal) ([]byte, error) {
	notYet := &apiError{Status: http.StatusNotFound, Code: "not_time_stamped", Message: "no time-stamp authority has time-stamped this record yet"}
	man, ok := rec.Artifact(sealing.ArtifactManifest)
	if !ok || s.cfg.Archive == nil {
		return nil, notYet
	}
	rc, _, err := s.cfg.Archive.Open(r.Context(), "agreements/"+rec.AgreementID+"/evidence/"+sealing.ArtifactManifestTimestamp)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, notYet
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	token, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil, err
	}
	digest, err := hex.DecodeString(man.SHA256)
	if err != nil {
		return nil, err
	}
	if _, err := evidence.VerifyTimestamp(token, digest, nil); err != nil {
		return nil, fmt.Errorf("archived manifest time-stamp of %s: %w", rec.AgreementID, err)
	}
	return token, nil
}
