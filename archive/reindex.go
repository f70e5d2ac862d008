package archive

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// ReindexStore takes back records rebuilt from the archive; storage/sqlite.DB implements
// it. RestoreRecord stores a sealed agreement, its seal record and r unless the agreement is
// already there (then it reports false), under a disabled restore account as owner.
type ReindexStore interface {
	RestoreRecord(ctx context.Context, a *agreement.Agreement, s agreement.Seal, r Restored) (bool, error)
	PlaceHold(ctx context.Context, h LegalHold, ev agreement.AuditEntry) error
}

// Reindex rebuilds the metadata of every sealed record from the archive bucket alone (the
// archive is the source of truth): for each agreements/{id}/evidence/manifest.json it restores
// the agreement (titles, parties, venues, participants, documents) as sealed, with its seal
// record listing the archived evidence objects at their current versions, and its legal hold
// when the store holds any of those objects. The search index
// follows by itself. It returns how many records were restored and how many were present.
func Reindex(ctx context.Context, arch blob.Store, st ReindexStore) (restored, present int, err error) {
	objs, err := arch.List(ctx, "agreements/")
	if err != nil {
		return 0, 0, fmt.Errorf("reindex: list archive: %w", err)
	}
	byRecord := map[string][]blob.ObjectInfo{}
	var ids []string
	for _, o := range objs {
		id, rest, ok := strings.Cut(strings.TrimPrefix(o.Key, "agreements/"), "/")
		if !ok || !strings.HasPrefix(rest, "evidence/") {
			continue
		}
		if _, seen := byRecord[id]; !seen {
			ids = append(ids, id)
		}
		byRecord[id] = append(byRecord[id], o)
	}
	for _, id := range ids {
		ok, err := restoreOne(ctx, arch, st, id, byRecord[id])
		if err != nil {
			return restored, present, err
		}
		if ok {
			restored++
		} else {
			present++
		}
	}
	return restored, present, nil
}

func restoreOne(ctx context.Context, arch blob.Store, st ReindexStore, id string, objs []blob.ObjectInfo) (bool, error) {
	m, err := readManifest(ctx, arch, RecordPrefix(id)+"evidence/manifest.json")
	if err != nil {
		return false, fmt.Errorf("reindex %s: %w", id, err)
	}
	if m.Agreement.ID != "" && m.Agreement.ID != id {
		return false, fmt.Errorf("reindex %s: its manifest names agreement %s", id, m.Agreement.ID)
	}
	a := agreementOf(id, m)
	s := agreement.Seal{AgreementID: id, Status: agreement.SealDone, SealedAt: m.SealedAt, RetainUntil: m.Agreement.RetentionUntil,
		StagedAt: m.SealedAt, CompletedAt: m.SealedAt, AuditHead: m.Audit.Head, AuditEvents: m.Audit.Events}
	for _, o := range objs {
		info, err := arch.Stat(ctx, o.Key) // listings carry no version id
		if err != nil {
			return false, fmt.Errorf("reindex %s: %w", id, err)
		}
		s.Artifacts = append(s.Artifacts, agreement.Artifact{Name: path.Base(o.Key), ArchiveKey: o.Key,
			VersionID: info.VersionID, SHA256: info.SHA256, Size: info.Size})
	}
	parts, err := restoredParts(ctx, arch, a, s, m)
	if err != nil {
		return false, fmt.Errorf("reindex %s: %w", id, err)
	}
	ok, err := st.RestoreRecord(ctx, a, s, parts)
	if err != nil || !ok {
		return ok, err
	}
	return true, restoreHold(ctx, arch, st, id, s)
}

// restoreHold records a legal hold when the archive store holds any of the record's objects:
// the hold itself lives on the objects, so it survives the database.
func restoreHold(ctx context.Context, arch blob.Store, st ReindexStore, id string, s agreement.Seal) error {
	holder, ok := arch.(blob.LegalHolder)
	if !ok {
		return nil
	}
	for _, a := range s.Artifacts {
		held, err := holder.LegalHold(ctx, a.ArchiveKey)
		if err != nil {
			return fmt.Errorf("reindex %s: %w", id, err)
		}
		if held {
			h := LegalHold{AgreementID: id, PlacedAt: s.SealedAt, PlacedBy: "", Reason: "found on the archived objects by reindex"}
			ev := agreement.AuditEntry{Type: "legal_hold.restored", Actor: "system:reindex", Data: map[string]any{"key": a.ArchiveKey}}
			return st.PlaceHold(ctx, h, ev)
		}
	}
	return nil
}

func readManifest(ctx context.Context, arch blob.Store, key string) (evidence.Manifest, error) {
	var m evidence.Manifest
	rc, _, err := arch.Open(ctx, key)
	if err != nil {
		return m, err
	}
	defer rc.Close()
	return decodeManifest(rc)
}

// agreementOf is the sealed agreement a manifest describes.
func agreementOf(id string, m evidence.Manifest) *agreement.Agreement {
	a := &agreement.Agreement{ID: id, Title: m.Agreement.Titles, State: agreement.StateSealed,
		CreatedAt: m.SealedAt, UpdatedAt: m.SealedAt}
	for _, p := range m.Parties {
		a.Parties = append(a.Parties, agreement.Party{ID: p.ID, Name: p.Names})
	}
	for _, v := range m.Venues {
		a.Venues = append(a.Venues, agreement.Venue{ID: v.ID, Name: v.Names, Place: v.Place, TimeZone: v.TimeZone})
	}
	for _, p := range m.Participants {
		a.Participants = append(a.Participants, agreement.Participant{ID: p.ID, Name: p.Name, Title: p.Title,
			PartyID: p.PartyID, VenueID: p.VenueID, Role: agreement.Role(p.Role)})
	}
	for _, d := range m.Documents {
		a.Documents = append(a.Documents, agreement.Document{ID: d.ID, Language: d.Language, Filename: d.Filename,
			SHA256: d.SHA256, Size: d.Size, Pages: d.Pages, ObjectKey: d.ObjectKey})
	}
	return a
}
