package sealing

import (
	"context"
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// archiveRecordings copies every uploaded segment of the agreement from the working store
// to the archive under retention (the same key), checks the archived bytes against the
// segment's size and SHA-256, and records it archived. Segments archived by an interrupted
// attempt are taken as they are; segments not uploaded (discarded, or lost before upload)
// are left out. It returns the archived segments, in the order they started.
func (s *Service) archiveRecordings(ctx context.Context, agreementID string, retainUntil time.Time) ([]agreement.Recording, error) {
	recs, err := s.cfg.Store.Recordings(ctx, agreementID)
	if err != nil {
		return nil, err
	}
	var out []agreement.Recording
	for _, r := range recs {
		switch r.State {
		case agreement.RecordingArchived:
			out = append(out, r)
			continue
		case agreement.RecordingUploaded:
		default:
			if r.State != agreement.RecordingDiscarded {
				s.log.Warn("recording segment left out of the seal: never uploaded", "agreement", agreementID, "segment", r.ID, "state", r.State)
			}
			continue
		}
		if err := s.archiveRecording(ctx, &r, retainUntil); err != nil {
			return nil, fmt.Errorf("archive recording %s of %s: %w", r.ID, agreementID, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) archiveRecording(ctx context.Context, r *agreement.Recording, retainUntil time.Time) error {
	rc, _, err := s.cfg.Working.Open(ctx, r.ObjectKey)
	if err != nil {
		return err
	}
	defer rc.Close()
	info, err := s.cfg.Archive.Put(ctx, r.ObjectKey, rc, blob.PutOptions{ContentType: "video/webm", RetainUntil: retainUntil, MaxSize: r.Size})
	if errors.Is(err, blob.ErrExists) {
		info, err = s.archivedInfo(ctx, r.ObjectKey, "")
	}
	if err != nil {
		return err
	}
	if info.SHA256 != r.SHA256 || info.Size != r.Size {
		return fmt.Errorf("%s holds %d bytes with sha256 %s, the segment is %d bytes with %s: %w",
			r.ObjectKey, info.Size, info.SHA256, r.Size, r.SHA256, agreement.ErrConflict)
	}
	r.ArchiveKey, r.ArchiveVersion, r.State, r.UpdatedAt = r.ObjectKey, info.VersionID, agreement.RecordingArchived, s.cfg.Now().UTC()
	return s.cfg.Store.SaveRecording(ctx, *r)
}

// manifestRecordings describes archived segments for the manifest: by hash, with the
// archive key; the bundle does not carry the files.
func manifestRecordings(recs []agreement.Recording) []evidence.Recording {
	var out []evidence.Recording
	for _, r := range recs {
		out = append(out, evidence.Recording{ID: r.ID, ParticipantID: r.ParticipantID, Source: r.Source, Kinds: r.Kinds,
			Filename: path.Base(r.ArchiveKey), SHA256: r.SHA256, Size: r.Size, StartedAt: r.StartedAt.UTC(), Clock: r.Clock,
			DurationMS: r.DurationMS, ObjectKey: r.ArchiveKey})
	}
	return out
}

// removeWorkingRecordings deletes the working copies of a sealed agreement's archived
// segments (they moved to the archive). A failure is logged; the copy stays.
func (s *Service) removeWorkingRecordings(ctx context.Context, agreementID string) {
	recs, err := s.cfg.Store.Recordings(ctx, agreementID)
	if err != nil {
		s.log.Warn("list recordings to remove working copies", "agreement", agreementID, "err", err)
		return
	}
	for _, r := range recs {
		if r.State != agreement.RecordingArchived {
			continue
		}
		if err := s.cfg.Working.Delete(context.WithoutCancel(ctx), r.ObjectKey); err != nil && !errors.Is(err, blob.ErrNotFound) {
			s.log.Warn("remove working copy of an archived recording", "agreement", agreementID, "key", r.ObjectKey, "err", err)
		}
	}
}
