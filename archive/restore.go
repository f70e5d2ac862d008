package archive

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
)

// maxAuditBytes bounds the sealed audit log reindex reads from a bundle.
const maxAuditBytes = 64 << 20

// Restored is what Reindex rebuilds of a record besides the agreement and its seal: the audit
// chain as sealed (from the bundle's data/audit.jsonl, checked against the manifest's head and
// count), the signatures the manifest lists and its recordings' catalog (archived, each at the
// archive's current version of its key).
type Restored struct {
	Audit      []signatures.Event
	Signatures []agreement.Signature
	Recordings []agreement.Recording
}

// restoredParts reads the audit chain from the record's archived bundle (none when the
// archive holds no bundle) and the signatures and recordings from its manifest.
func restoredParts(ctx context.Context, arch blob.Store, a *agreement.Agreement, s agreement.Seal, m evidence.Manifest) (Restored, error) {
	var r Restored
	for _, art := range s.Artifacts {
		if art.Name != "bundle.zip" {
			continue
		}
		evs, err := bundleAudit(ctx, arch, art, m)
		if err != nil {
			return r, err
		}
		for _, e := range evs {
			if e.AgreementID != a.ID {
				return r, fmt.Errorf("%s holds events of agreement %q", art.ArchiveKey, e.AgreementID)
			}
		}
		r.Audit = evs
	}
	roles := map[string]agreement.Role{}
	for _, p := range a.Participants {
		roles[p.ID] = p.Role
	}
	for _, sg := range m.Signatures {
		jwk, err := json.Marshal(sg.JWK)
		if err != nil {
			return r, err
		}
		out := agreement.Signature{AgreementID: a.ID, ParticipantID: sg.ParticipantID, Role: roles[sg.ParticipantID], JWS: sg.JWS,
			JWK: string(jwk), Thumbprint: sg.Thumbprint, SignedAt: sg.SignedAt, RecordedAt: sg.SignedAt}
		if sg.Still != nil {
			out.StillSHA256 = sg.Still.SHA256
		}
		if sg.Drawing != nil {
			out.DrawingSHA256 = sg.Drawing.SHA256
		}
		r.Signatures = append(r.Signatures, out)
	}
	recs, err := restoredRecordings(ctx, arch, a.ID, m)
	r.Recordings = recs
	return r, err
}

// restoredRecordings catalogs the manifest's archived recordings.
func restoredRecordings(ctx context.Context, arch blob.Store, id string, m evidence.Manifest) ([]agreement.Recording, error) {
	var out []agreement.Recording
	for _, mr := range m.Recordings {
		if mr.ObjectKey == "" {
			continue
		}
		info, err := arch.Stat(ctx, mr.ObjectKey)
		if err != nil && !errors.Is(err, blob.ErrNotFound) {
			return nil, err
		}
		recID := mr.ID
		if recID == "" {
			recID = strings.TrimSuffix(path.Base(mr.ObjectKey), path.Ext(mr.ObjectKey))
		}
		out = append(out, agreement.Recording{ID: recID, AgreementID: id, ParticipantID: mr.ParticipantID, Source: mr.Source,
			Kinds: mr.Kinds, StartedAt: mr.StartedAt, Clock: mr.Clock, DurationMS: mr.DurationMS, Size: mr.Size, SHA256: mr.SHA256,
			State: agreement.RecordingArchived, ObjectKey: mr.ObjectKey, ArchiveKey: mr.ObjectKey, ArchiveVersion: info.VersionID,
			CreatedAt: m.SealedAt, UpdatedAt: m.SealedAt, FinalizedAt: m.SealedAt})
	}
	return out, nil
}

// bundleAudit reads data/audit.jsonl from the archived bundle and checks it is the chain the
// manifest anchors (its head and number of events).
func bundleAudit(ctx context.Context, arch blob.Store, art agreement.Artifact, m evidence.Manifest) ([]signatures.Event, error) {
	or, info, err := openObject(ctx, arch, art.ArchiveKey, art.VersionID)
	if err != nil {
		return nil, err
	}
	defer or.Close()
	zr, err := zip.NewReader(or, info.Size)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", art.ArchiveKey, err)
	}
	for _, f := range zr.File {
		if _, rel, _ := strings.Cut(f.Name, "/"); rel == m.Audit.Path {
			return readAudit(f, m)
		}
	}
	return nil, fmt.Errorf("%s holds no %s", art.ArchiveKey, m.Audit.Path)
}

func readAudit(f *zip.File, m evidence.Manifest) ([]signatures.Event, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var evs []signatures.Event
	sc := bufio.NewScanner(io.LimitReader(rc, maxAuditBytes))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e signatures.Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s: %w", m.Audit.Path, err)
		}
		evs = append(evs, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Audit.Path, err)
	}
	if err := signatures.VerifyChain(evs); err != nil {
		return nil, fmt.Errorf("%s: %w", m.Audit.Path, err)
	}
	if len(evs) != m.Audit.Events || signatures.Head(evs) != m.Audit.Head {
		return nil, fmt.Errorf("%s: %d events with head %s, the manifest anchors %d with head %s", m.Audit.Path,
			len(evs), signatures.Head(evs), m.Audit.Events, m.Audit.Head)
	}
	return evs, nil
}
