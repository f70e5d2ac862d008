package archive

import (
	"archive/zip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
)

// Audit event types of the record page's reads.
const (
	EventRecordViewed      = "record.viewed"
	EventRecordingPlayback = "recording.playback"
	EventRecordExported    = "record.exported"
)

// accessEvents are the audit event types listed as the record's accesses.
var accessEvents = map[string]bool{
	EventRecordViewed:      true,
	EventRecordingPlayback: true,
	EventRecordExported:    true,
	"evidence.downloaded":  true,
	"recording.downloaded": true,
	"document.downloaded":  true,
}

// RecordStore is what Record reads; storage/sqlite.DB implements it. Seal and Hold give
// agreement.ErrNotFound for a record without one.
type RecordStore interface {
	Signatures(ctx context.Context, agreementID string) ([]agreement.Signature, error)
	Seal(ctx context.Context, agreementID string) (agreement.Seal, error)
	Recordings(ctx context.Context, agreementID string) ([]agreement.Recording, error)
	Hold(ctx context.Context, agreementID string) (LegalHold, error)
	LastFixity(ctx context.Context, agreementID string) (FixityRun, []Problem, error)
	AuditEvents(ctx context.Context, agreementID string) ([]signatures.Event, error)
	UserByID(ctx context.Context, id string) (agreement.User, error)
	AppendAudit(ctx context.Context, agreementID string, e agreement.AuditEntry) (signatures.Event, error)
}

// Records assembles record pages and plays and exports archived records.
type Records struct {
	Store   RecordStore
	Archive blob.Store
	// Fixity records a mismatch an export finds (its alert path); nil: the export only fails.
	Fixity *Fixity
}

// Record is everything the record page shows of one agreement, in one read.
type Record struct {
	Signatories   []Signatory        `json:"signatories"`
	Documents     []RecordDocument   `json:"documents"`
	Sealed        *SealInfo          `json:"sealed"`
	Recordings    []RecordRecording  `json:"recordings"`
	TimelineStart *time.Time         `json:"timeline_start"`
	RetainUntil   *time.Time         `json:"retain_until"`
	RetentionMode string             `json:"retention_mode"`
	LegalHold     HoldState          `json:"legal_hold"`
	Fixity        *FixityState       `json:"fixity"`
	Audit         []signatures.Event `json:"audit"`
	Access        []Access           `json:"access"`
	// Actors names the record's actors ("user:{id}": the staff member's display name or
	// username; "participant:{id}": the participant's name) for the audit, the accesses and
	// the legal hold; the service's own actors are left out.
	Actors     map[string]string  `json:"actors"`
	manifest   *evidence.Manifest // the sealed manifest, when it could be read
	recordings []agreement.Recording
}

// Signatory is one signer and their signature.
type Signatory struct {
	ParticipantID string     `json:"participant_id"`
	Name          string     `json:"name"`
	Title         string     `json:"title"`
	PartyID       string     `json:"party_id"`
	VenueID       string     `json:"venue_id"`
	Role          string     `json:"role"`
	SignedAt      *time.Time `json:"signed_at"`
	DocumentIDs   []string   `json:"document_ids"`
	KeyThumbprint string     `json:"key_thumbprint"`
	Algorithm     string     `json:"algorithm"`
	Still         bool       `json:"still"`
	OffsetMS      *int64     `json:"offset_ms"`
}

// RecordDocument is one language version of the agreement's text.
type RecordDocument struct {
	ID       string `json:"id"`
	Lang     string `json:"lang"`
	Filename string `json:"filename"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Pages    int    `json:"pages"`
}

// SealInfo describes the seal: when, the hashes of its artifacts, the manifest's time-stamp
// and its place in the transparency log.
type SealInfo struct {
	SealedAt       time.Time  `json:"sealed_at"`
	ManifestSHA256 string     `json:"manifest_sha256"`
	PDFSHA256      string     `json:"pdf_sha256"`
	BundleSHA256   string     `json:"bundle_sha256"`
	BundleSize     int64      `json:"bundle_size"`
	Timestamp      *Timestamp `json:"timestamp"`
	LogIndex       *uint64    `json:"log_index"`
}

// Timestamp is what the manifest's RFC 3161 time-stamp attests.
type Timestamp struct {
	AttestedAt time.Time `json:"attested_at"`
	TSA        string    `json:"tsa"`
}

// RecordRecording is one archived recording, placed on the record's timeline.
type RecordRecording struct {
	ID            string    `json:"id"`
	ParticipantID string    `json:"participant_id"`
	Source        string    `json:"source"`
	Kinds         []string  `json:"kinds"`
	StartedAt     time.Time `json:"started_at"`
	StartOffsetMS int64     `json:"start_offset_ms"`
	DurationMS    int64     `json:"duration_ms"`
	Size          int64     `json:"size"`
	SHA256        string    `json:"sha256"`
}

// HoldState is the record's legal hold.
type HoldState struct {
	On     bool       `json:"on"`
	Since  *time.Time `json:"since"`
	By     string     `json:"by"`
	Reason string     `json:"reason"`
}

// FixityState is the last fixity run and what it found on this record.
type FixityState struct {
	LastRunAt time.Time `json:"last_run_at"`
	OK        bool      `json:"ok"`
	Alerts    []Problem `json:"alerts"`
}

// Access is one view, playback or download of the record.
type Access struct {
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	ActorName string    `json:"actor_name"` // as in Record.Actors; "" for the service
	Type      string    `json:"type"`
	What      string    `json:"what"` // identifiers only (artifact, recording ids, document id), "" for the record itself
}

// Record audits a view of a's record by actor ("user:{id}") as "record.viewed", then reads
// the record page: signatories, documents, seal, recordings on their timeline, retention,
// legal hold, the last fixity check, the audit chain and the accesses in it.
func (rs *Records) Record(ctx context.Context, a *agreement.Agreement, actor string) (Record, error) {
	if _, err := rs.Store.AppendAudit(ctx, a.ID, agreement.AuditEntry{Type: EventRecordViewed, Actor: actor, Data: map[string]any{}}); err != nil {
		return Record{}, fmt.Errorf("record %s: %w", a.ID, err)
	}
	rec, err := rs.read(ctx, a, true)
	if err != nil {
		return Record{}, fmt.Errorf("record %s: %w", a.ID, err)
	}
	return rec, nil
}

// read reads the record; without full, only what playback needs (no audit, hold, fixity,
// time-stamp or log index).
func (rs *Records) read(ctx context.Context, a *agreement.Agreement, full bool) (Record, error) {
	rec := Record{Documents: []RecordDocument{}, Recordings: []RecordRecording{}, Access: []Access{}, RetentionMode: "COMPLIANCE"}
	for _, d := range a.Documents {
		rec.Documents = append(rec.Documents, RecordDocument{ID: d.ID, Lang: d.Language, Filename: d.Filename, SHA256: d.SHA256, Size: d.Size, Pages: d.Pages})
	}
	if err := rs.readSeal(ctx, a, &rec, full); err != nil {
		return rec, err
	}
	sigs, err := rs.Store.Signatures(ctx, a.ID)
	if err != nil {
		return rec, err
	}
	rec.Signatories = signatories(a, sigs, rec.manifest)
	if err := rs.readRecordings(ctx, a.ID, &rec); err != nil {
		return rec, err
	}
	if !full {
		return rec, nil
	}
	if err := rs.readHoldAndFixity(ctx, a.ID, &rec); err != nil {
		return rec, err
	}
	if rec.Audit, err = rs.Store.AuditEvents(ctx, a.ID); err != nil {
		return rec, err
	}
	rec.Access = accessesOf(rec.Audit)
	if rec.Actors, err = rs.actorNames(ctx, a, &rec); err != nil {
		return rec, err
	}
	for i := range rec.Access {
		rec.Access[i].ActorName = rec.Actors[rec.Access[i].Actor]
	}
	return rec, nil
}

// actorNames names every staff member and participant who acts in rec's audit or placed
// its legal hold. A staff account that no longer exists is left unnamed.
func (rs *Records) actorNames(ctx context.Context, a *agreement.Agreement, rec *Record) (map[string]string, error) {
	names := map[string]string{}
	actors := []string{rec.LegalHold.By}
	for _, e := range rec.Audit {
		actors = append(actors, e.Actor)
	}
	for _, actor := range actors {
		kind, id, ok := strings.Cut(actor, ":")
		if _, done := names[actor]; done || !ok || id == "" {
			continue
		}
		switch kind {
		case "participant":
			for _, p := range a.Participants {
				if p.ID == id {
					names[actor] = p.Name
				}
			}
		case "user":
			u, err := rs.Store.UserByID(ctx, id)
			switch {
			case errors.Is(err, agreement.ErrNotFound):
			case err != nil:
				return nil, fmt.Errorf("name %s: %w", actor, err)
			case u.DisplayName != "":
				names[actor] = u.DisplayName
			default:
				names[actor] = u.Username
			}
		}
	}
	return names, nil
}

// readSeal fills the seal, retention and sealed manifest of a sealed record.
func (rs *Records) readSeal(ctx context.Context, a *agreement.Agreement, rec *Record, full bool) error {
	s, err := rs.Store.Seal(ctx, a.ID)
	if errors.Is(err, agreement.ErrNotFound) || (err == nil && s.Status != agreement.SealDone) {
		return nil
	}
	if err != nil {
		return err
	}
	info := &SealInfo{SealedAt: s.SealedAt}
	if art, ok := s.Artifact("manifest.json"); ok {
		info.ManifestSHA256 = art.SHA256
		if m, err := readManifestVersion(ctx, rs.Archive, art); rs.Archive != nil && err == nil {
			rec.manifest = &m
		}
	}
	if art, ok := s.Artifact("sealed.pdf"); ok {
		info.PDFSHA256 = art.SHA256
	}
	if art, ok := s.Artifact("bundle.zip"); ok {
		info.BundleSHA256, info.BundleSize = art.SHA256, art.Size
		if full {
			info.LogIndex = rs.logIndex(ctx, art)
		}
	}
	if full {
		info.Timestamp = rs.timestamp(ctx, s, info.ManifestSHA256)
	}
	retain := s.RetainUntil
	rec.Sealed, rec.RetainUntil = info, &retain
	return nil
}

// readManifestVersion reads the sealed manifest at its archived version.
func readManifestVersion(ctx context.Context, arch blob.Store, art agreement.Artifact) (evidence.Manifest, error) {
	if arch == nil {
		return evidence.Manifest{}, errors.New("no archive store")
	}
	rc, _, err := arch.OpenVersion(ctx, art.ArchiveKey, art.VersionID, 0, -1)
	if err != nil {
		return evidence.Manifest{}, err
	}
	defer rc.Close()
	return decodeManifest(rc)
}

func decodeManifest(r io.Reader) (evidence.Manifest, error) {
	var m evidence.Manifest
	b, err := io.ReadAll(io.LimitReader(r, maxManifestBytes+1))
	if err != nil {
		return m, err
	}
	if len(b) > maxManifestBytes {
		return m, fmt.Errorf("manifest larger than %d bytes", maxManifestBytes)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	return m, nil
}

// timestamp reads what the manifest's time-stamp token attests: the one archived at sealing,
// else a supplementary one archived later; nil when there is none or it does not verify.
func (rs *Records) timestamp(ctx context.Context, s agreement.Seal, manifestSHA256 string) *Timestamp {
	digest, err := hex.DecodeString(manifestSHA256)
	if err != nil || manifestSHA256 == "" || rs.Archive == nil {
		return nil
	}
	key, version := RecordPrefix(s.AgreementID)+"evidence/"+evidence.ManifestTimestampFile, ""
	if art, ok := s.Artifact(evidence.ManifestTimestampFile); ok {
		key, version = art.ArchiveKey, art.VersionID
	}
	rc, _, err := rs.Archive.OpenVersion(ctx, key, version, 0, -1)
	if err != nil {
		return nil
	}
	defer rc.Close()
	token, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return nil
	}
	att, err := evidence.VerifyTimestamp(token, digest, nil)
	if err != nil {
		return nil
	}
	return &Timestamp{AttestedAt: att.Time, TSA: att.TSA}
}

// logIndex reads the transparency log index from the bundle's tlog-proof tag file; nil when
// the record was not logged.
func (rs *Records) logIndex(ctx context.Context, art agreement.Artifact) *uint64 {
	if rs.Archive == nil {
		return nil
	}
	or, info, err := openObject(ctx, rs.Archive, art.ArchiveKey, art.VersionID)
	if err != nil {
		return nil
	}
	defer or.Close()
	zr, err := zip.NewReader(or, info.Size)
	if err != nil {
		return nil
	}
	for _, f := range zr.File {
		if _, rel, _ := strings.Cut(f.Name, "/"); rel != evidence.TagLogProof || f.UncompressedSize64 > 1<<20 {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		p, perr := evidence.ParseLogProof(b)
		if err != nil || perr != nil {
			return nil
		}
		return &p.Index
	}
	return nil
}

// signatories lists the signatories and anyone else who signed, with their signatures.
func signatories(a *agreement.Agreement, sigs []agreement.Signature, m *evidence.Manifest) []Signatory {
	byPID := map[string]agreement.Signature{}
	for _, s := range sigs {
		byPID[s.ParticipantID] = s
	}
	offsets := map[string]int64{}
	if m != nil && m.Timeline != nil {
		for _, mk := range m.Timeline.Signatures {
			offsets[mk.ParticipantID] = mk.OffsetMS
		}
	}
	out := []Signatory{}
	for _, p := range a.Participants {
		sig, signed := byPID[p.ID]
		if !signed && p.Role != agreement.RoleSignatory {
			continue
		}
		s := Signatory{ParticipantID: p.ID, Name: p.Name, Title: p.Title, PartyID: p.PartyID, VenueID: p.VenueID, Role: string(p.Role), DocumentIDs: []string{}}
		if signed {
			at := sig.SignedAt.UTC()
			s.SignedAt, s.KeyThumbprint, s.Still = &at, sig.Thumbprint, sig.StillKey != "" || sig.StillSHA256 != ""
			s.Algorithm, s.DocumentIDs = statementOf(sig.JWS)
		}
		if off, ok := offsets[p.ID]; ok {
			s.OffsetMS = &off
		}
		out = append(out, s)
	}
	return out
}

// statementOf reads a compact JWS's algorithm and the ids of the documents its statement
// covers; the signature itself was verified when it was recorded and at sealing.
func statementOf(jws string) (string, []string) {
	ids := []string{}
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		return "", ids
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err == nil {
		_ = json.Unmarshal(b, &hdr)
	}
	var st struct {
		Documents []struct {
			ID string `json:"id"`
		} `json:"documents"`
	}
	if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
		_ = json.Unmarshal(b, &st)
	}
	for _, d := range st.Documents {
		ids = append(ids, d.ID)
	}
	return hdr.Alg, ids
}

// readRecordings lists the archived recordings, placed on the timeline of the sealed
// manifest (or, before sealing, one made from their start times).
func (rs *Records) readRecordings(ctx context.Context, agreementID string, rec *Record) error {
	all, err := rs.Store.Recordings(ctx, agreementID)
	if err != nil {
		return err
	}
	var m evidence.Manifest
	for _, r := range all {
		if r.State == agreement.RecordingArchived {
			rec.recordings = append(rec.recordings, r)
			m.Recordings = append(m.Recordings, evidence.Recording{ID: r.ID, StartedAt: r.StartedAt})
		}
	}
	if len(m.Recordings) == 0 {
		return nil
	}
	evidence.PlaceOnTimeline(&m)
	origin := m.Timeline.Origin
	if rec.manifest != nil && rec.manifest.Timeline != nil {
		origin = rec.manifest.Timeline.Origin
	}
	rec.TimelineStart = &origin
	for _, r := range rec.recordings {
		rec.Recordings = append(rec.Recordings, RecordRecording{ID: r.ID, ParticipantID: r.ParticipantID, Source: r.Source,
			Kinds: nonNil(r.Kinds), StartedAt: r.StartedAt.UTC(), StartOffsetMS: r.StartedAt.Sub(origin).Milliseconds(),
			DurationMS: r.DurationMS, Size: r.Size, SHA256: r.SHA256})
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (rs *Records) readHoldAndFixity(ctx context.Context, agreementID string, rec *Record) error {
	h, err := rs.Store.Hold(ctx, agreementID)
	switch {
	case err == nil:
		since := h.PlacedAt
		rec.LegalHold = HoldState{On: true, Since: &since, By: h.PlacedBy, Reason: h.Reason}
	case !errors.Is(err, agreement.ErrNotFound):
		return err
	}
	run, alerts, err := rs.Store.LastFixity(ctx, agreementID)
	if err != nil {
		return err
	}
	if run.ID != 0 && rec.Sealed != nil {
		rec.Fixity = &FixityState{LastRunAt: run.FinishedAt, OK: len(alerts) == 0, Alerts: append([]Problem{}, alerts...)}
	}
	return nil
}

// accessesOf lists the views, playbacks and downloads among the audit events.
func accessesOf(evs []signatures.Event) []Access {
	out := []Access{}
	for _, e := range evs {
		if accessEvents[e.Type] {
			out = append(out, Access{At: e.At, Actor: e.Actor, Type: e.Type, What: accessWhat(e.Data)})
		}
	}
	return out
}

// accessWhat gives the identifiers of what was read (the artifact, the recordings, the
// document), without words: the page labels the access by its type in the reader's
// language. The record itself and its export have none.
func accessWhat(data json.RawMessage) string {
	var d struct {
		Artifact   string   `json:"artifact"`
		Recordings []string `json:"recordings"`
		Document   string   `json:"document"`
		Key        string   `json:"key"`
	}
	_ = json.Unmarshal(data, &d)
	switch {
	case d.Artifact != "":
		return d.Artifact
	case len(d.Recordings) > 0:
		return strings.Join(d.Recordings, ", ")
	case d.Document != "":
		return d.Document
	case d.Key != "":
		return d.Key
	}
	return ""
}
