package archive

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
)

// ErrExportMismatch is wrapped by Export.WriteTo's error when an archived object it streams
// differs from its seal: the bundle from the seal's SHA-256, or a recording from the sealed
// manifest's. The stream stops there and the mismatch is raised as a fixity alert.
var ErrExportMismatch = errors.New("archived object differs from its seal")

// Export is one prepared export of a sealed record: the evidence bundle archived at sealing
// with every archived recording added under data/recordings/ (evidence.ExtendBundle), a
// BagIt ZIP that signroom verify accepts with the recordings checked. Its Size is known
// before a byte is written. Nothing is held whole: the bundle is read with ranged reads, the
// recordings are streamed, both at their archived versions, and hashed as they pass.
type Export struct {
	Size     int64
	Filename string
	rs       *Records
	id       string
	bundle   *objectReader
	art      agreement.Artifact
	zr       *zip.Reader
	recs     []evidence.RecordingFile
}

// PrepareExport opens the sealed record agreementID for export and computes its size; a
// record not sealed gives agreement.ErrConflict. The caller streams it with WriteTo and
// closes it.
func (rs *Records) PrepareExport(ctx context.Context, agreementID string) (*Export, error) {
	s, err := rs.Store.Seal(ctx, agreementID)
	if errors.Is(err, agreement.ErrNotFound) || (err == nil && s.Status != agreement.SealDone) {
		return nil, fmt.Errorf("export %s: not sealed: %w", agreementID, agreement.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", agreementID, err)
	}
	art, ok := s.Artifact("bundle.zip")
	if !ok || rs.Archive == nil {
		return nil, fmt.Errorf("export %s: the seal has no archived bundle", agreementID)
	}
	x := &Export{rs: rs, id: agreementID, art: art, Filename: "signroom-" + agreementID + "-export.zip"}
	if err := x.open(ctx, s); err != nil {
		x.Close()
		return nil, fmt.Errorf("export %s: %w", agreementID, err)
	}
	return x, nil
}

func (x *Export) open(ctx context.Context, s agreement.Seal) error {
	or, info, err := openObject(ctx, x.rs.Archive, x.art.ArchiveKey, x.art.VersionID)
	if err != nil {
		return err
	}
	x.bundle = or
	if info.Size != x.art.Size {
		return fmt.Errorf("%s is %d bytes, sealed %d: %w", x.art.ArchiveKey, info.Size, x.art.Size, ErrExportMismatch)
	}
	if x.zr, err = zip.NewReader(or, info.Size); err != nil {
		return fmt.Errorf("%s: %w", x.art.ArchiveKey, err)
	}
	if x.recs, err = x.recordingFiles(ctx, s); err != nil {
		return err
	}
	x.Size, err = evidence.ExtendedSize(ctx, x.zr, x.extension())
	return err
}

// recordingFiles lists the sealed manifest's hash-only recordings, each opened at the
// archive version sealing recorded for it.
func (x *Export) recordingFiles(ctx context.Context, s agreement.Seal) ([]evidence.RecordingFile, error) {
	man, ok := s.Artifact("manifest.json")
	if !ok {
		return nil, errors.New("the seal has no manifest")
	}
	m, err := readManifestVersion(ctx, x.rs.Archive, man)
	if err != nil {
		return nil, err
	}
	versions := map[string]string{}
	if all, err := x.rs.Store.Recordings(ctx, x.id); err == nil {
		for _, r := range all {
			versions[r.ArchiveKey] = r.ArchiveVersion
		}
	}
	var out []evidence.RecordingFile
	for _, r := range m.Recordings {
		if r.Path != "" || r.ObjectKey == "" {
			continue
		}
		key, version := r.ObjectKey, versions[r.ObjectKey]
		out = append(out, evidence.RecordingFile{Recording: r, Open: func(ctx context.Context) (io.ReadCloser, error) {
			rc, _, err := x.rs.Archive.OpenVersion(ctx, key, version, 0, -1)
			return rc, err
		}})
	}
	return out, nil
}

func (x *Export) extension() evidence.Extension {
	return evidence.Extension{Recordings: x.recs, Copied: x.checkBundle}
}

// checkBundle finishes hashing the bundle (its entries were read front to back while copied)
// and compares it with the seal.
func (x *Export) checkBundle() error {
	sum, err := x.bundle.sum()
	if err != nil {
		return err
	}
	if sum != x.art.SHA256 {
		return fmt.Errorf("%s has sha256 %s, sealed %s: %w", x.art.ArchiveKey, sum, x.art.SHA256, ErrExportMismatch)
	}
	return nil
}

// WriteTo streams the export to w. A mismatch stops it with ErrExportMismatch (w then holds
// an incomplete ZIP) and is raised as a fixity alert on the record.
func (x *Export) WriteTo(ctx context.Context, w io.Writer) error {
	err := evidence.ExtendBundle(ctx, w, x.zr, x.extension())
	if errors.Is(err, evidence.ErrRecordingMismatch) {
		err = fmt.Errorf("%w: %w", ErrExportMismatch, err)
	}
	if errors.Is(err, ErrExportMismatch) {
		x.raise(ctx, err)
	}
	if err != nil {
		return fmt.Errorf("export %s: %w", x.id, err)
	}
	return nil
}

// raise records the mismatch as a fixity alert (a run over this one record).
func (x *Export) raise(ctx context.Context, cause error) {
	f := x.rs.Fixity
	if f == nil {
		return
	}
	p := Problem{AgreementID: x.id, Key: x.art.ArchiveKey, Want: x.art.SHA256, Error: "export: " + cause.Error()}
	var rm *evidence.RecordingMismatch
	if errors.As(cause, &rm) {
		p.Key, p.Want, p.Got = rm.Recording.ObjectKey, rm.Recording.SHA256, rm.Got
	}
	if err := f.Raise(context.WithoutCancel(ctx), p); err != nil {
		f.Log.Error("record the export's fixity alert", "agreement", x.id, "err", err)
	}
}

// Close releases the bundle's reads.
func (x *Export) Close() error {
	if x.bundle != nil {
		return x.bundle.Close()
	}
	return nil
}

// Raise records p, a mismatch found outside a run (an export streaming an archived object),
// as a run over that one object: the same metric, log line, alert on the record and audit
// event "fixity.mismatch" as a run's.
func (f *Fixity) Raise(ctx context.Context, p Problem) error {
	now := f.Now().UTC()
	run := FixityRun{AgreementID: p.AgreementID, StartedAt: now, FinishedAt: now, Records: 1, Objects: 1, Problems: []Problem{p}}
	if f.Mismatches != nil {
		f.Mismatches.Inc()
	}
	f.Log.Error("fixity mismatch", "agreement", p.AgreementID, "key", p.Key, "want", p.Want, "got", p.Got, "err", p.Error)
	return f.Store.RecordFixity(ctx, &run)
}

// Audit records the export, about to be streamed, as "record.exported" by actor.
func (x *Export) Audit(ctx context.Context, actor string) error {
	ev := agreement.AuditEntry{Type: EventRecordExported, Actor: actor, Data: map[string]any{
		"size": x.Size, "recordings": len(x.recs), "bundle_sha256": x.art.SHA256}}
	if _, err := x.rs.Store.AppendAudit(ctx, x.id, ev); err != nil {
		return fmt.Errorf("export %s: %w", x.id, err)
	}
	return nil
}
