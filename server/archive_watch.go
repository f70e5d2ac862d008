package server

import (
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/storage/blob"
)

// Kinds of archive integrity alert, the "kind" label of signroom_archive_integrity_alerts_total.
const (
	alertLatestDiffers   = "latest_version_differs" // a later version or a delete marker sits over the sealed version
	alertContentMismatch = "content_mismatch"       // the sealed version's bytes differ from the seal record
)

func newIntegrityCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "signroom_archive_integrity_alerts_total",
		Help: "Archived evidence found changed after sealing, by artifact and kind (latest_version_differs, content_mismatch).",
	}, []string{"artifact", "kind"})
	reg.MustRegister(c)
	return c
}

// checkArchived compares the archive's current version of a sealed artifact with the
// version the seal recorded. A different version, or a delete marker, is raised once per
// (key, current version) as an alert: an error log, the integrity metric and the audit event
// "evidence.archive_changed". Downloads read the recorded version whatever this finds.
func (s *Server) checkArchived(ctx context.Context, agreementID string, art agreement.Artifact) {
	if art.VersionID == "" {
		return // a seal recorded before versions were: the streaming check still guards it
	}
	cur, err := s.cfg.Archive.Stat(ctx, art.ArchiveKey)
	switch {
	case err == nil && cur.VersionID == art.VersionID:
		return
	case err != nil && !errors.Is(err, blob.ErrNotFound):
		s.log.Warn("archive check", "agreement", agreementID, "key", art.ArchiveKey, "err", err)
		return
	case err != nil:
		cur = blob.ObjectInfo{VersionID: "delete-marker"}
	}
	s.archiveAlert(ctx, agreementID, art, alertLatestDiffers, map[string]any{
		"latest_version": cur.VersionID, "latest_sha256": cur.SHA256, "latest_size": cur.Size})
}

// archiveAlert raises an integrity alert once per artifact, kind and detail.
func (s *Server) archiveAlert(ctx context.Context, agreementID string, art agreement.Artifact, kind string, detail map[string]any) {
	seen := art.ArchiveKey + "|" + kind + "|" + anyString(detail["latest_version"])
	if _, dup := s.alerted.LoadOrStore(seen, true); dup {
		return
	}
	s.integrity.WithLabelValues(art.Name, kind).Inc()
	s.log.Error("ALERT: archived evidence changed after sealing", "agreement", agreementID, "artifact", art.Name,
		"key", art.ArchiveKey, "sealed_version", art.VersionID, "kind", kind, "detail", detail)
	data := map[string]any{"artifact": art.Name, "key": art.ArchiveKey, "kind": kind, "sealed_version": art.VersionID, "sha256": art.SHA256}
	for k, v := range detail {
		data[k] = v
	}
	_, err := s.cfg.Store.AppendAudit(context.WithoutCancel(ctx), agreementID, agreement.AuditEntry{Type: "evidence.archive_changed", Actor: "system", Data: data})
	if err != nil {
		s.log.Error("audit archive change", "agreement", agreementID, "err", err)
	}
}

func anyString(v any) string {
	s, _ := v.(string)
	return s
}
