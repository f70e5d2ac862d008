package sealing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/periodic"
	"github.com/signroom/signroom/storage/blob"
)

// Audit events of trusted time.
const (
	// EventTimeNotAttested: the record sealed without a manifest time-stamp (no TSA
	// answered); AddTimestamps will add one. Recorded with agreement.sealed.
	EventTimeNotAttested = "seal.time_not_attested"
	// EventTimeAttested: a supplementary manifest time-stamp was archived beside the
	// bundle (key, TSA, attested time).
	EventTimeAttested = "seal.time_attested"
)

// DefaultTimestampRetry is how often RunTimestamps retries the missing time-stamps.
const DefaultTimestampRetry = time.Minute

// stampManifest returns a TSA's token over the manifest, or nil (logged) when no TSA is
// configured or none answered: sealing goes on without.
func (s *Service) stampManifest(ctx context.Context, id string, manifest []byte) []byte {
	if !s.cfg.TSA.Configured() {
		return nil
	}
	sum := sha256.Sum256(manifest)
	tok, err := s.cfg.TSA.Stamp(ctx, sum[:])
	if err != nil {
		s.log.Warn("manifest time-stamp failed; sealing without it, it is added when a TSA answers", "agreement", id, "err", err)
		return nil
	}
	s.log.Info("manifest time-stamped", "agreement", id, "tsa", tok.URL, "time", tok.Time)
	return tok.DER
}

// sealPDF seals the PDF, time-stamping its signature through the TSAs when configured;
// if that fails the PDF is sealed without a time-stamp.
func (s *Service) sealPDF(ctx context.Context, id string, b *evidenceBuild, atts []evidence.Attachment) ([]byte, error) {
	if !s.cfg.TSA.Configured() {
		return evidence.SealPDF(ctx, b.docs, b.page, s.cfg.Sealer, atts...)
	}
	url, stop, err := s.cfg.TSA.Relay(ctx)
	if err == nil {
		var pdf []byte
		pdf, err = evidence.SealPDFWith(ctx, b.docs, b.page, s.cfg.Sealer, evidence.PDFOptions{TSAURL: url}, atts...)
		stop()
		if err == nil {
			return pdf, nil
		}
	}
	s.log.Warn("PDF signature time-stamp failed; sealing the PDF without it", "agreement", id, "err", err)
	return evidence.SealPDF(ctx, b.docs, b.page, s.cfg.Sealer, atts...)
}

func hasArtifact(rec agreement.Seal, name string) bool {
	return slices.ContainsFunc(rec.Artifacts, func(a agreement.Artifact) bool { return a.Name == name })
}

// pendingSet is a set of agreement ids safe for concurrent use; scanned (guarded by the
// Service's stampMu) says whether it was filled from the store since the start.
type pendingSet struct {
	mu      sync.Mutex
	ids     map[string]bool
	scanned bool
}

func (p *pendingSet) add(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ids == nil {
		p.ids = map[string]bool{}
	}
	p.ids[id] = true
}

func (p *pendingSet) remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.ids, id)
}

func (p *pendingSet) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.ids))
	for id := range p.ids {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// RunTimestamps calls AddTimestamps every interval (0: DefaultTimestampRetry) until ctx
// ends. It does nothing without a TSA.
func (s *Service) RunTimestamps(ctx context.Context, interval time.Duration) {
	if !s.cfg.TSA.Configured() {
		return
	}
	if interval <= 0 {
		interval = DefaultTimestampRetry
	}
	periodic.Run(ctx, interval, true, func(ctx context.Context) {
		if n, err := s.AddTimestamps(ctx); err != nil {
			s.log.Info("missing manifest time-stamps not added yet", "added", n, "err", err)
		}
	})
}

// AddTimestamps time-stamps the manifests of sealed records that sealed without a token
// (audited EventTimeNotAttested, not yet EventTimeAttested): the token goes to the archive
// beside the bundle, as agreements/{id}/evidence/manifest.json.tsr under the record's
// retention, and EventTimeAttested is audited. The first call finds such records in the
// store; later ones retry those left and those sealed since. It returns how many it added
// and the first failure.
func (s *Service) AddTimestamps(ctx context.Context) (int, error) {
	if !s.cfg.TSA.Configured() || s.cfg.Archive == nil {
		return 0, nil
	}
	s.stampMu.Lock()
	defer s.stampMu.Unlock()
	if err := s.scanUnstamped(ctx); err != nil {
		return 0, err
	}
	added := 0
	var first error
	for _, id := range s.stamps.list() {
		err := s.addTimestamp(ctx, id)
		switch {
		case err == nil:
			added++
			s.stamps.remove(id)
		case first == nil:
			first = fmt.Errorf("time-stamp manifest of %s: %w", id, err)
		}
	}
	return added, first
}

// scanUnstamped fills the pending set once from the sealed agreements' audit trails.
func (s *Service) scanUnstamped(ctx context.Context) error {
	if s.stamps.scanned {
		return nil
	}
	list, err := s.cfg.Store.ListAgreements(ctx, agreement.ListFilter{States: []agreement.State{agreement.StateSealed}})
	if err != nil {
		return fmt.Errorf("find unstamped seals: %w", err)
	}
	for _, a := range list {
		events, err := s.cfg.Store.AuditEvents(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("find unstamped seals: %w", err)
		}
		missing := false
		for _, e := range events {
			missing = (missing || e.Type == EventTimeNotAttested) && e.Type != EventTimeAttested
		}
		if missing {
			s.stamps.add(a.ID)
		}
	}
	s.stamps.scanned = true
	return nil
}

// addTimestamp stamps one sealed record's archived manifest and archives the token.
func (s *Service) addTimestamp(ctx context.Context, id string) error {
	rec, err := s.cfg.Store.Seal(ctx, id)
	if err != nil {
		return err
	}
	manifest, err := s.archivedManifest(ctx, rec)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(manifest)
	tok, err := s.cfg.TSA.Stamp(ctx, sum[:])
	if err != nil {
		return err
	}
	key := "agreements/" + id + "/evidence/" + ArtifactManifestTimestamp
	info, err := s.cfg.Archive.Put(ctx, key, bytes.NewReader(tok.DER), blob.PutOptions{ContentType: ArtifactType(key), RetainUntil: rec.RetainUntil})
	if errors.Is(err, blob.ErrExists) { // an earlier run archived one, then failed to audit it
		info, err = s.cfg.Archive.Stat(ctx, key)
	}
	if err != nil {
		return err
	}
	_, err = s.cfg.Store.AppendAudit(ctx, id, agreement.AuditEntry{Type: EventTimeAttested, Actor: "system", Data: map[string]any{
		"key": key, "sha256": info.SHA256, "version_id": info.VersionID, "tsa": tok.URL, "time": tok.Time, "manifest_sha256": fmt.Sprintf("%x", sum)}})
	if err == nil {
		s.log.Info("manifest time-stamp added after sealing", "agreement", id, "tsa", tok.URL, "time", tok.Time)
	}
	return err
}

// archivedManifest reads the sealed manifest from the archive, pinned and hash-checked.
func (s *Service) archivedManifest(ctx context.Context, rec agreement.Seal) ([]byte, error) {
	i := slices.IndexFunc(rec.Artifacts, func(a agreement.Artifact) bool { return a.Name == ArtifactManifest })
	if i < 0 {
		return nil, fmt.Errorf("seal of %s has no %s", rec.AgreementID, ArtifactManifest)
	}
	art := rec.Artifacts[i]
	rc, _, err := s.cfg.Archive.OpenVersion(ctx, art.ArchiveKey, art.VersionID, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, art.Size+1))
	if err != nil {
		return nil, err
	}
	if sha256Hex(data) != art.SHA256 {
		return nil, fmt.Errorf("archived %s does not match the seal's sha256: %w", art.ArchiveKey, agreement.ErrConflict)
	}
	return data, nil
}
