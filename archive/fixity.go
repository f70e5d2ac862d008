package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/internal/periodic"
	"github.com/signroom/signroom/storage/blob"
)

// maxManifestBytes bounds the sealed manifest.json read to find the recordings it lists.
const maxManifestBytes = 16 << 20

// FixityRun is one pass of Fixity.Run over the archive.
type FixityRun struct {
	ID int64
	// AgreementID names the one record a run covered (a mismatch found by an export); empty
	// for a pass over the whole archive.
	AgreementID string
	StartedAt   time.Time
	FinishedAt  time.Time
	Records     int
	Objects     int
	Bytes       int64
	Problems    []Problem
}

// Problem is an archived object that does not match its sealed record: its bytes hash to
// something else, its size differs, or it cannot be read at all.
type Problem struct {
	AgreementID string `json:"agreement_id"`
	Key         string `json:"key"`
	Want        string `json:"want_sha256"`
	Got         string `json:"got_sha256,omitempty"`
	Error       string `json:"error,omitempty"`
}

// FixityStore lists the sealed records and keeps fixity runs; storage/sqlite.DB implements
// it. RecordFixity stores the run and, for each problem, an alert on the record and the audit
// event "fixity.mismatch", all in one transaction, and sets run.ID.
type FixityStore interface {
	SealedRecords(ctx context.Context) ([]agreement.Seal, error)
	RecordFixity(ctx context.Context, run *FixityRun) error
}

// Counter counts mismatches (a Prometheus counter implements it).
type Counter interface{ Inc() }

// Fixity re-hashes every archived object of every sealed record against the SHA-256 the
// seal recorded (the seal's artifacts, pinned to their archived versions) and that the sealed
// manifest lists (the recordings). Objects are streamed through the hash, never held whole.
type Fixity struct {
	Store      FixityStore
	Archive    blob.Store
	Mismatches Counter // may be nil
	Log        *slog.Logger
	Now        func() time.Time
}

// Run checks the whole archive once and records the run.
func (f *Fixity) Run(ctx context.Context) (FixityRun, error) {
	run := FixityRun{StartedAt: f.Now().UTC()}
	seals, err := f.Store.SealedRecords(ctx)
	if err != nil {
		return run, fmt.Errorf("fixity: %w", err)
	}
	for _, s := range seals {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		f.checkRecord(ctx, s, &run)
		run.Records++
	}
	run.FinishedAt = f.Now().UTC()
	for _, p := range run.Problems {
		if f.Mismatches != nil {
			f.Mismatches.Inc()
		}
		f.Log.Error("fixity mismatch", "agreement", p.AgreementID, "key", p.Key, "want", p.Want, "got", p.Got, "err", p.Error)
	}
	if err := f.Store.RecordFixity(ctx, &run); err != nil {
		return run, fmt.Errorf("fixity: record run: %w", err)
	}
	return run, nil
}

// checkRecord checks a record's artifacts, then the recordings its manifest lists.
func (f *Fixity) checkRecord(ctx context.Context, s agreement.Seal, run *FixityRun) {
	var manifest []byte
	for _, a := range s.Artifacts {
		var keep *[]byte
		if a.Name == "manifest.json" {
			keep = &manifest
		}
		f.check(ctx, run, s.AgreementID, a.ArchiveKey, a.VersionID, a.SHA256, a.Size, keep)
	}
	var m struct {
		Recordings []struct {
			SHA256    string `json:"sha256"`
			Size      int64  `json:"size"`
			ObjectKey string `json:"object_key"`
		} `json:"recordings"`
	}
	if len(manifest) == 0 || json.Unmarshal(manifest, &m) != nil {
		return
	}
	for _, r := range m.Recordings {
		if r.ObjectKey != "" {
			f.check(ctx, run, s.AgreementID, r.ObjectKey, "", r.SHA256, r.Size, nil)
		}
	}
}

// check hashes one object version; keep, when set, receives its bytes (small manifests only).
func (f *Fixity) check(ctx context.Context, run *FixityRun, agreementID, key, version, want string, size int64, keep *[]byte) {
	run.Objects++
	got, n, err := hashObject(ctx, f.Archive, key, version, keep)
	run.Bytes += n
	p := Problem{AgreementID: agreementID, Key: key, Want: want, Got: got}
	switch {
	case err != nil:
		p.Error = err.Error()
	case got != want:
	case n != size:
		p.Error = fmt.Sprintf("size %d, sealed %d", n, size)
	default:
		return
	}
	run.Problems = append(run.Problems, p)
}

func hashObject(ctx context.Context, st blob.Store, key, version string, keep *[]byte) (string, int64, error) {
	rc, _, err := st.OpenVersion(ctx, key, version, 0, -1)
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	var w io.Writer = h
	var buf limitedBuffer
	if keep != nil {
		w = io.MultiWriter(h, &buf)
	}
	n, err := io.Copy(w, rc)
	if err != nil {
		return "", n, err
	}
	if keep != nil && !buf.over {
		*keep = buf.b
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// limitedBuffer keeps at most maxManifestBytes and notes when more came.
type limitedBuffer struct {
	b    []byte
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b)+len(p) > maxManifestBytes {
		l.over = true
	} else {
		l.b = append(l.b, p...)
	}
	return len(p), nil
}

// RunEvery runs Fixity every interval until ctx ends, logging each run's outcome.
func (f *Fixity) RunEvery(ctx context.Context, interval time.Duration) {
	periodic.Run(ctx, interval, false, func(ctx context.Context) {
		run, err := f.Run(ctx)
		if err != nil {
			f.Log.Error("fixity run", "err", err)
			return
		}
		f.Log.Info("fixity run", "records", run.Records, "objects", run.Objects, "bytes", run.Bytes, "problems", len(run.Problems))
	})
}
