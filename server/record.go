package server

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// recordView is GET /api/agreements/{id}/record: the agreement and its archive record.
type recordView struct {
	Agreement agreementView `json:"agreement"`
	archive.Record
}

// handleRecord answers the record page in one read, audited as "record.viewed".
func (s *Server) handleRecord(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	rec, err := s.records.Record(r.Context(), c.agr, c.actor())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, recordView{Agreement: agreementViewOf(c.agr), Record: rec})
}

// handlePlayback issues short-lived signed media URLs for every archived recording of the
// record and the signatures' marks on their timeline, audited as "recording.playback".
func (s *Server) handlePlayback(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	pb, err := s.records.Playback(r.Context(), c.agr, s.media, c.actor())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pb)
}

// handleMedia serves an archived recording at its archived version, with HTTP Range, to the
// holder of a media URL issued by handlePlayback: its token, not an Authorization header,
// grants the read. A token expired, altered or issued for another recording is 403.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	id, recID := r.PathValue("id"), r.PathValue("recordingID")
	if err := s.media.Check(id, recID, r.URL.Query().Get("token")); err != nil {
		s.fail(w, r, &apiError{Status: http.StatusForbidden, Code: "invalid_media_token",
			Message: "this media link is invalid or has expired; open the playback again"})
		return
	}
	rec, err := s.records.ArchivedRecording(r.Context(), id, recID)
	if errors.Is(err, agreement.ErrNotFound) {
		s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no such archived recording"})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	art := agreement.Artifact{Name: "recording " + rec.ID, ArchiveKey: rec.ArchiveKey, VersionID: rec.ArchiveVersion, SHA256: rec.SHA256, Size: rec.Size}
	obj, err := openStored(r.Context(), s.cfg.Archive, rec.ArchiveKey, rec.ArchiveVersion, rec.Size, rec.SHA256, func(err error) {
		s.archiveAlert(r.Context(), id, art, alertContentMismatch, map[string]any{"latest_version": rec.ArchiveVersion, "error": err.Error()})
	})
	if err != nil {
		s.failStorage(w, r, err)
		return
	}
	defer obj.Close()
	h := w.Header()
	h.Set("Content-Type", "video/webm")
	h.Set("ETag", `"`+rec.SHA256+`"`)
	h.Set("Cache-Control", "private, max-age=600")
	http.ServeContent(w, r, "", rec.UpdatedAt, obj)
}

// handleExport streams the record's BagIt ZIP with its recordings (archive.Export): the size
// is computed first and sent as Content-Length, then the export is audited as
// "record.exported" and streamed. A mismatch found while streaming cuts the response short of
// its length (the client sees a failed download) and is raised as a fixity alert.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	if c.agr.State != agreement.StateSealed {
		s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_sealed", State: string(c.agr.State), Message: "the agreement has no sealed evidence yet"})
		return
	}
	x, err := s.records.PrepareExport(r.Context(), c.agr.ID)
	if err != nil {
		s.failStorage(w, r, err)
		return
	}
	defer x.Close()
	if err := x.Audit(r.Context(), c.actor()); err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.FormatInt(x.Size, 10))
	h.Set("X-Signroom-Export-Size", strconv.FormatInt(x.Size, 10))
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(x.Filename))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if err := x.WriteTo(r.Context(), w); err != nil {
		s.log.Error("export stopped", "agreement", c.agr.ID, "err", err)
		panic(http.ErrAbortHandler) // the client must not take a cut ZIP for a whole one
	}
}
