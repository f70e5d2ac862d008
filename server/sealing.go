package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// Sealed artifact names; in the archive they are under agreements/{id}/evidence/.
const (
	artifactPDF         = "sealed.pdf"
	artifactManifest    = "manifest.json"
	artifactManifestJWS = "manifest.jws"
	artifactBundle      = "bundle.zip"
)

// artifactOrder is the order artifacts are written to the archive: the bundle, which holds
// everything, last.
func artifactOrder() []string {
	return []string{artifactPDF, artifactManifest, artifactManifestJWS, artifactBundle}
}

func artifactType(name string) string {
	switch {
	case strings.HasSuffix(name, ".pdf"):
		return "application/pdf"
	case strings.HasSuffix(name, ".json"):
		return "application/json"
	case strings.HasSuffix(name, ".zip"):
		return "application/zip"
	}
	return "application/jose"
}

// sealAgreement seals an agreement in signing whose signatories have all signed, in three
// steps that a retry resumes:
//
//  1. stage: build the sealed PDF, the signed manifest and the bundle once, put them in the
//     working store under an attempt-specific prefix and record them (hashes, keys, sealed_at)
//     in a seal record. From then on no more signatures are accepted.
//  2. archive: copy each staged artifact to its fixed archive key under COMPLIANCE retention.
//     An object already there (from an interrupted attempt) is accepted only if its SHA-256
//     equals the staged one; a retry copies the same bytes, so it never needs to overwrite.
//  3. finish: mark the seal done, move the agreement to sealed, record "agreement.sealed"
//     (which names the artifacts and the audit head the manifest anchors) and revoke the
//     invitations, in one transaction.
func (s *Server) sealAgreement(ctx context.Context, id string) (*agreement.Agreement, error) {
	if s.cfg.Archive == nil || s.cfg.Sealer == nil {
		return nil, refuse(http.StatusServiceUnavailable, "sealing_unavailable", "sealing is not configured (no archive store or seal key)")
	}
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	a, err := s.cfg.Store.Agreement(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.State != agreement.StateSigning {
		return nil, stateConflict(a, "only an agreement in signing can be sealed")
	}
	rec, err := s.cfg.Store.Seal(ctx, id)
	if errors.Is(err, agreement.ErrNotFound) {
		rec, err = s.stageSeal(ctx, a)
	}
	if err != nil {
		return nil, err
	}
	if err := s.archiveSeal(ctx, &rec); err != nil {
		return nil, err
	}
	sealed, err := s.finishSeal(ctx, a.ID, rec)
	if err == nil {
		s.removeStaging(ctx, rec)
	}
	return sealed, err
}

// stageSeal builds the artifacts and stages them.
func (s *Server) stageSeal(ctx context.Context, a *agreement.Agreement) (agreement.Seal, error) {
	sigs, err := s.cfg.Store.Signatures(ctx, a.ID)
	if err != nil {
		return agreement.Seal{}, err
	}
	signed := map[string]bool{}
	for _, sg := range sigs {
		signed[sg.ParticipantID] = true
	}
	if n := remainingSignatories(a, func(id string) bool { return signed[id] }); n > 0 {
		return agreement.Seal{}, refuse(http.StatusConflict, "signatures_missing", fmt.Sprintf("%d signatories have not signed", n))
	}
	events, err := s.cfg.Store.AuditEvents(ctx, a.ID)
	if err != nil {
		return agreement.Seal{}, err
	}
	in := evidenceInput{a: a, sigs: sigs, events: events, sealedAt: s.sealTime(sigs)}
	in.retainUntil = in.sealedAt.AddDate(0, 0, retentionDays(a))
	files, err := s.buildEvidence(ctx, in)
	if err != nil {
		return agreement.Seal{}, fmt.Errorf("seal agreement %s: %w", a.ID, err)
	}
	rec := agreement.Seal{AgreementID: a.ID, Status: agreement.SealStaged, SealedAt: in.sealedAt, RetainUntil: in.retainUntil,
		SealCert:  evidence.CertFingerprint(s.cfg.Sealer.Cert),
		AuditHead: events[len(events)-1].Hash, AuditEvents: len(events), StagedAt: s.cfg.Now().UTC()}
	attempt := newID()
	for _, name := range artifactOrder() {
		data := files[name]
		art := agreement.Artifact{Name: name, SHA256: sha256Hex(data), Size: int64(len(data)),
			ArchiveKey: "agreements/" + a.ID + "/evidence/" + name,
			StagingKey: "agreements/" + a.ID + "/sealing/" + attempt + "/" + name}
		if _, err := s.cfg.Blobs.Put(ctx, art.StagingKey, bytes.NewReader(data), blob.PutOptions{ContentType: artifactType(name)}); err != nil {
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
func (s *Server) sealTime(sigs []agreement.Signature) time.Time {
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
	return DefaultRetentionDays
}

// archiveSeal copies the staged artifacts to the archive under retention and records the
// archive version that holds each, so every later read is pinned to the sealed bytes.
func (s *Server) archiveSeal(ctx context.Context, rec *agreement.Seal) error {
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
func (s *Server) archiveArtifact(ctx context.Context, rec agreement.Seal, art agreement.Artifact) (string, error) {
	rc, _, err := s.cfg.Blobs.Open(ctx, art.StagingKey)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	info, err := s.cfg.Archive.Put(ctx, art.ArchiveKey, rc, blob.PutOptions{ContentType: artifactType(art.Name), RetainUntil: rec.RetainUntil})
	if errors.Is(err, blob.ErrExists) {
		info, err = s.archivedInfo(ctx, art)
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

// archivedInfo describes the object an interrupted attempt left at an artifact's archive
// key: the version recorded then if there is one, else the current version, hashed here by
// streaming it (its stored hash is metadata anyone who can write the key can set).
func (s *Server) archivedInfo(ctx context.Context, art agreement.Artifact) (blob.ObjectInfo, error) {
	rc, info, err := s.cfg.Archive.OpenVersion(ctx, art.ArchiveKey, art.VersionID, 0, -1)
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

// finishSeal seals the agreement in the store and tells the ceremony.
func (s *Server) finishSeal(ctx context.Context, id string, rec agreement.Seal) (*agreement.Agreement, error) {
	var revoked []string
	data := map[string]any{"sealed_at": rec.SealedAt, "retain_until": rec.RetainUntil,
		"audit_head": rec.AuditHead, "audit_events": rec.AuditEvents, "artifacts": archivedArtifacts(rec)}
	a, err := s.cfg.Store.FinishSeal(ctx, id, func(ed *agreement.Edit) error {
		if err := ed.Agreement.Transition(agreement.StateSealed); err != nil {
			return err
		}
		ed.Record("agreement.sealed", "system", data)
		for _, inv := range ed.LiveInvitations("", s.cfg.Now()) {
			ed.Revoke(inv.JTI)
			ed.Record("invitation.revoked", "system", map[string]any{"participant": inv.ParticipantID, "token_id": inv.JTI, "reason": "sealed"})
		}
		revoked = ed.Revoked
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.log.Info("agreement sealed", "agreement", id, "sealed_at", rec.SealedAt)
	pdf, _ := rec.Artifact(artifactPDF)
	bundle, _ := rec.Artifact(artifactBundle)
	s.broadcast(id, sealedEvent{SealedAt: rec.SealedAt, SealedPDFSHA256: pdf.SHA256, BundleSHA256: bundle.SHA256})
	s.broadcast(id, stateEvent{State: string(agreement.StateSealed), From: string(agreement.StateSigning)})
	if s.cfg.Ceremony != nil {
		s.cfg.Ceremony.End(id, "sealed") // before the revocations, so clients hear why
	}
	s.tellRevoked(id, revoked)
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

// handleSeal seals (or finishes sealing) the agreement: the retry after a failed seal.
func (s *Server) handleSeal(w http.ResponseWriter, r *http.Request) {
	a, err := s.sealAgreement(context.WithoutCancel(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agreement": agreementViewOf(a)})
}
