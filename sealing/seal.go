package sealing

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// Sealed artifact names; in the archive they are under agreements/{id}/evidence/.
const (
	ArtifactPDF         = "sealed.pdf"
	ArtifactManifest    = "manifest.json"
	ArtifactManifestJWS = "manifest.jws"
	ArtifactBundle      = "bundle.zip"
	// ArtifactManifestTimestamp is the RFC 3161 token over manifest.json (also inside the
	// bundle); absent when no TSA is configured or none answered at sealing.
	ArtifactManifestTimestamp = evidence.ManifestTimestampFile
)

// artifactOrder is the order artifacts are written to the archive: the bundle, which holds
// everything, last.
func artifactOrder() []string {
	return []string{ArtifactPDF, ArtifactManifest, ArtifactManifestJWS, ArtifactManifestTimestamp, ArtifactBundle}
}

// ArtifactType is the content type of a sealed artifact, by name.
func ArtifactType(name string) string {
	switch {
	case strings.HasSuffix(name, ".pdf"):
		return "application/pdf"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case strings.HasSuffix(name, ".zip"):
		return "application/zip"
	case strings.HasSuffix(name, ".tsr"):
		return "application/timestamp-reply"
	}
	return "application/jose"
}

// stage builds the artifacts and stages them.
func (s *Service) stage(ctx context.Context, a *agreement.Agreement) (agreement.Seal, error) {
	sigs, err := s.cfg.Store.Signatures(ctx, a.ID)
	if err != nil {
		return agreement.Seal{}, err
	}
	if n := Remaining(a, sigs); n > 0 {
		return agreement.Seal{}, missing(n)
	}
	events, err := s.cfg.Store.AuditEvents(ctx, a.ID)
	if err != nil {
		return agreement.Seal{}, err
	}
	in := evidenceInput{a: a, sigs: sigs, events: events, sealedAt: s.sealTime(sigs)}
	in.retainUntil = in.sealedAt.AddDate(0, 0, retentionDays(a))
	if in.recordings, err = s.archiveRecordings(ctx, a.ID, in.retainUntil); err != nil {
		return agreement.Seal{}, err
	}
	files, err := s.buildEvidence(ctx, in)
	if err != nil {
		return agreement.Seal{}, fmt.Errorf("seal agreement %s: %w", a.ID, err)
	}
	rec := agreement.Seal{AgreementID: a.ID, Status: agreement.SealStaged, SealedAt: in.sealedAt, RetainUntil: in.retainUntil,
		SealCert:  evidence.CertFingerprint(s.cfg.Sealer.Cert),
		AuditHead: events[len(events)-1].Hash, AuditEvents: len(events), StagedAt: s.cfg.Now().UTC()}
	attempt := newAttempt()
	for _, name := range artifactOrder() {
		data, ok := files[name]
		if !ok {
			continue
		}
		art := agreement.Artifact{Name: name, SHA256: sha256Hex(data), Size: int64(len(data)),
			ArchiveKey: "agreements/" + a.ID + "/evidence/" + name,
			StagingKey: "agreements/" + a.ID + "/sealing/" + attempt + "/" + name}
		if _, err := s.cfg.Working.Put(ctx, art.StagingKey, bytes.NewReader(data), blob.PutOptions{ContentType: ArtifactType(name)}); err != nil {
			return rec, fmt.Errorf("stage %s of %s: %w", name, a.ID, err)
		}
		rec.Artifacts = append(rec.Artifacts, art)
	}
	if err := s.cfg.Store.StageSeal(ctx, rec); err != nil {
		return rec, err
	}
	s.log.Info("seal staged", "agreement", a.ID, "attempt", attempt, "sealed_at", rec.SealedAt)
	return rec, nil
}

// sealTime is now, truncated to the second, or the latest signing time if a signer's clock
// ran ahead (a signature may not postdate the seal).
func (s *Service) sealTime(sigs []agreement.Signature) time.Time {
	t := s.cfg.Now().UTC().Truncate(time.Second)
	for _, sg := range sigs {
		if sg.SignedAt.After(t) {
			t = sg.SignedAt.UTC()
		}
	}
	return t
}

func retentionDays(a *agreement.Agreement) int {
	if a.RetentionDays > 0 {
		return a.RetentionDays
	}
	return agreement.DefaultRetentionDays
}

// archive copies the staged artifacts to the archive under retention and records the
// archive version that holds each, so every later read is pinned to the sealed bytes.
func (s *Service) archive(ctx context.Context, rec *agreement.Seal) error {
	for i, art := range rec.Artifacts {
		version, err := s.archiveArtifact(ctx, *rec, art)
		if err != nil {
			return fmt.Errorf("archive %s of %s: %w", art.Name, rec.AgreementID, err)
		}
		rec.Artifacts[i].VersionID = version
	}
	return s.cfg.Store.RecordSealArtifacts(ctx, rec.AgreementID, rec.Artifacts)
}

// archiveArtifact puts one staged artifact at its archive key and returns the version that
// holds it.
func (s *Service) archiveArtifact(ctx context.Context, rec agreement.Seal, art agreement.Artifact) (string, error) {
	rc, _, err := s.cfg.Working.Open(ctx, art.StagingKey)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	info, err := s.cfg.Archive.Put(ctx, art.ArchiveKey, rc, blob.PutOptions{ContentType: ArtifactType(art.Name), RetainUntil: rec.RetainUntil})
	if errors.Is(err, blob.ErrExists) {
		info, err = s.archivedInfo(ctx, art.ArchiveKey, art.VersionID)
	}
	if err != nil {
		return "", err
	}
	if info.SHA256 != art.SHA256 || info.Size != art.Size {
		return "", fmt.Errorf("%s holds %d bytes with sha256 %s, the staged artifact is %d bytes with %s: %w",
			art.ArchiveKey, info.Size, info.SHA256, art.Size, art.SHA256, agreement.ErrConflict)
	}
	return info.VersionID, nil
}

// archivedInfo describes the object an interrupted attempt left at an archive key: the
// version recorded then if there is one, else the current version, hashed here by
// streaming it (its stored hash is metadata anyone who can write the key can set).
func (s *Service) archivedInfo(ctx context.Context, key, version string) (blob.ObjectInfo, error) {
	rc, info, err := s.cfg.Archive.OpenVersion(ctx, key, version, 0, -1)
	if err != nil {
		return info, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return info, err
	}
	info.SHA256, info.Size = hex.EncodeToString(h.Sum(nil)), n
	return info, nil
}

// finish seals the agreement in the store and announces it.
func (s *Service) finish(ctx context.Context, id string, rec agreement.Seal) (*agreement.Agreement, error) {
	data := map[string]any{"sealed_at": rec.SealedAt, "retain_until": rec.RetainUntil,
		"audit_head": rec.AuditHead, "audit_events": rec.AuditEvents, "artifacts": archivedArtifacts(rec)}
	a, err := s.cfg.Store.FinishSeal(ctx, id, func(ed *agreement.Edit) error {
		if err := ed.Agreement.Transition(agreement.StateSealed); err != nil {
			return err
		}
		ed.Record("agreement.sealed", "system", data)
		if s.cfg.TSA.Configured() && !hasArtifact(rec, ArtifactManifestTimestamp) {
			ed.Record(EventTimeNotAttested, "system", map[string]any{"tsa_urls": s.cfg.TSA.URLs()})
		}
		// Invitations are not revoked: until they expire, each participant's link shows the
		// sealed agreement and downloads their copy of the sealed PDF. Every route that could
		// change anything refuses a sealed agreement by its state, and the room is closed.
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("agreement sealed", "agreement", id, "sealed_at", rec.SealedAt)
	if s.cfg.TSA.Configured() && !hasArtifact(rec, ArtifactManifestTimestamp) {
		s.stamps.add(id)
	}
	if s.cfg.Announce != nil {
		s.cfg.Announce(Sealed{Agreement: a, Seal: rec})
	}
	return a, nil
}

type artifactView struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

func archivedArtifacts(rec agreement.Seal) map[string]artifactView {
	out := map[string]artifactView{}
	for _, a := range rec.Artifacts {
		out[a.Name] = artifactView{Key: a.ArchiveKey, SHA256: a.SHA256, Size: a.Size}
	}
	return out
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// newAttempt returns a random name for one staging attempt.
func newAttempt() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
