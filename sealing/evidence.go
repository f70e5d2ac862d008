package sealing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
)

// evidenceInput is what a seal is built from.
type evidenceInput struct {
	a           *agreement.Agreement
	sigs        []agreement.Signature
	events      []signatures.Event
	sealedAt    time.Time
	retainUntil time.Time
	recordings  []agreement.Recording // archived segments
}

// evidenceBuild collects the manifest, the bundle's files and the signature page.
type evidenceBuild struct {
	evidenceInput
	langs []string
	m     evidence.Manifest
	page  evidence.SignaturePage
	docs  []evidence.DocumentPDF
	files []evidence.File
}

// buildEvidence returns the sealed artifacts by name: the sealed PDF, the manifest JSON and
// JWS, and the bundle ZIP.
func (s *Service) buildEvidence(ctx context.Context, in evidenceInput) (map[string][]byte, error) {
	b := &evidenceBuild{evidenceInput: in, langs: in.a.Languages()}
	b.describe()
	if err := s.addDocuments(ctx, b); err != nil {
		return nil, err
	}
	if err := s.addSignatures(ctx, b); err != nil {
		return nil, err
	}
	audit, err := evidence.AuditLogJSONL(in.events)
	if err != nil {
		return nil, err
	}
	b.m.Audit = evidence.Audit{FileRef: evidence.NewFileRef(evidence.PathAuditLog, audit), Events: len(in.events), Head: signatures.Head(in.events)}
	b.m.SealedPDF = evidence.PDFRef{Path: evidence.PathSealedPDF}
	b.m.Recordings = manifestRecordings(in.recordings)
	evidence.PlaceOnTimeline(&b.m)
	sm, err := evidence.SignManifest(b.m, s.cfg.Sealer)
	if err != nil {
		return nil, err
	}
	bundle := evidence.Bundle{Manifest: sm, AuditLog: in.events, Files: b.files, Software: "signroom", Created: in.sealedAt}
	bundle.ManifestTimestamp = s.stampManifest(ctx, in.a.ID, sm.JSON)
	if bundle.LogProof, err = s.logManifest(ctx, sm.JSON); err != nil {
		return nil, err
	}
	atts, err := evidence.PDFAttachments(ctx, bundle)
	if err != nil {
		return nil, err
	}
	if bundle.SealedPDF, err = s.sealPDF(ctx, in.a.ID, b, atts); err != nil {
		return nil, err
	}
	var zip bytes.Buffer
	if err := evidence.WriteBundle(ctx, &zip, bundle); err != nil {
		return nil, err
	}
	files := map[string][]byte{ArtifactPDF: bundle.SealedPDF, ArtifactManifest: sm.JSON, ArtifactManifestJWS: sm.JWS, ArtifactBundle: zip.Bytes()}
	if bundle.ManifestTimestamp != nil {
		files[ArtifactManifestTimestamp] = bundle.ManifestTimestamp
	}
	return files, nil
}

// logManifest appends the manifest to the transparency log, when there is one, and
// returns the inclusion proof.
func (s *Service) logManifest(ctx context.Context, manifest []byte) ([]byte, error) {
	if s.cfg.Log == nil {
		return nil, nil
	}
	sum := sha256.Sum256(manifest)
	proof, err := s.cfg.Log.Append(ctx, sum[:])
	if err != nil {
		return nil, fmt.Errorf("transparency log: %w", err)
	}
	return proof, nil
}

// describe fills the manifest's agreement, parties, venues and participants.
func (b *evidenceBuild) describe() {
	a := b.a
	b.m = evidence.Manifest{Format: evidence.FormatVersion, SealedAt: b.sealedAt,
		Agreement: evidence.Agreement{ID: a.ID, Titles: nonNil(a.Title), Languages: b.langs, RetentionUntil: b.retainUntil}}
	for _, p := range a.Parties {
		b.m.Parties = append(b.m.Parties, evidence.Party{ID: p.ID, Names: nonNil(p.Name)})
	}
	for _, v := range a.Venues {
		b.m.Venues = append(b.m.Venues, evidence.Venue{ID: v.ID, Names: nonNil(v.Name), Place: v.Place, TimeZone: v.TimeZone})
	}
	for _, p := range a.Participants {
		b.m.Participants = append(b.m.Participants, evidence.Participant{ID: p.ID, PartyID: p.PartyID, VenueID: p.VenueID,
			Name: p.Name, Title: p.Title, Role: string(p.Role)})
	}
	b.page = evidence.SignaturePage{AgreementID: a.ID, Titles: nonNil(a.Title), SealedAt: b.sealedAt}
}

// addDocuments reads every frozen document and checks it still has its frozen hash.
func (s *Service) addDocuments(ctx context.Context, b *evidenceBuild) error {
	for _, d := range b.a.Documents {
		data, err := s.readWorking(ctx, d.ObjectKey)
		if err != nil {
			return fmt.Errorf("document %s: %w", d.ID, err)
		}
		if sha256Hex(data) != d.SHA256 {
			return fmt.Errorf("document %s: stored bytes do not match the frozen sha256", d.ID)
		}
		p := evidence.DocumentPath(d.ID, d.Filename)
		b.docs = append(b.docs, evidence.DocumentPDF{ID: d.ID, Language: d.Language, Filename: d.Filename, Data: data})
		b.files = append(b.files, evidence.File{Path: p, Data: data})
		b.m.Documents = append(b.m.Documents, evidence.Document{ID: d.ID, Language: d.Language, Filename: d.Filename,
			SHA256: d.SHA256, Size: int64(len(data)), Pages: d.Pages, ObjectKey: d.ObjectKey, Path: p})
	}
	return nil
}

// addSignatures adds every signature, its still and drawing, and its signature page entry.
func (s *Service) addSignatures(ctx context.Context, b *evidenceBuild) error {
	for _, sg := range b.sigs {
		jwk, err := signatures.ParseJWK([]byte(sg.JWK))
		if err != nil {
			return fmt.Errorf("signature of %s: %w", sg.ParticipantID, err)
		}
		ms := evidence.Signature{ParticipantID: sg.ParticipantID, JWS: sg.JWS, JWK: jwk, Thumbprint: sg.Thumbprint, SignedAt: sg.SignedAt}
		still, err := s.addImage(ctx, b, sg.StillKey, func(ext string) string { return evidence.StillPath(sg.ParticipantID, ext) }, &ms.Still)
		if err != nil {
			return err
		}
		drawing, err := s.addImage(ctx, b, sg.DrawingKey, func(ext string) string { return evidence.DrawingPath(sg.ParticipantID, ext) }, &ms.Drawing)
		if err != nil {
			return err
		}
		b.m.Signatures = append(b.m.Signatures, ms)
		b.page.Signers = append(b.page.Signers, b.pageSigner(sg, still, drawing))
	}
	return nil
}

func (s *Service) addImage(ctx context.Context, b *evidenceBuild, key string, pathFor func(ext string) string, ref **evidence.FileRef) ([]byte, error) {
	if key == "" {
		return nil, nil
	}
	data, err := s.readWorking(ctx, key)
	if err != nil {
		return nil, err
	}
	r := evidence.NewFileRef(pathFor(strings.TrimPrefix(path.Ext(key), ".")), data)
	*ref = &r
	b.files = append(b.files, evidence.File{Path: r.Path, Data: data})
	return data, nil
}

func (b *evidenceBuild) pageSigner(sg agreement.Signature, still, drawing []byte) evidence.PageSigner {
	p, _ := b.a.Participant(sg.ParticipantID)
	ps := evidence.PageSigner{Name: p.Name, Title: p.Title, SignedAt: sg.SignedAt, Thumbprint: sg.Thumbprint, Still: still, Drawing: drawing}
	if sg.Role == agreement.RoleWitness {
		ps.Title = strings.TrimSpace(ps.Title + " (witness)")
	}
	for _, pt := range b.a.Parties {
		if pt.ID == p.PartyID {
			ps.PartyNames = namesInOrder(pt.Name, b.langs)
		}
	}
	for _, v := range b.a.Venues {
		if v.ID == p.VenueID {
			parts := namesInOrder(v.Name, b.langs)
			if v.Place != "" {
				parts = append(parts, v.Place)
			}
			ps.Venue, ps.TimeZone = strings.Join(parts, " / "), v.TimeZone
		}
	}
	return ps
}

func (s *Service) readWorking(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := s.cfg.Working.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func nonNil(m agreement.Localized) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// namesInOrder lists the distinct non-empty names of l: the agreement's languages first, in
// order, then English (printable without CJK fonts), then any others by language tag.
func namesInOrder(l agreement.Localized, langs []string) []string {
	var out []string
	for _, lang := range append(append(slices.Clone(langs), "en"), slices.Sorted(maps.Keys(l))...) {
		if n := l[lang]; n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
