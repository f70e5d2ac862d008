package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
)

// spool is the local directory segments are written to before upload. Each segment is two
// files: ID.webm (the media) and ID.json (its metadata, written atomically). The metadata
// file is written before the media file is created and removed after it, so a media file
// never exists without its metadata.
type spool struct{ dir string }

func openSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create recording spool: %w", err)
	}
	return &spool{dir: dir}, nil
}

func (s *spool) mediaPath(id string) string { return filepath.Join(s.dir, id+".webm") }
func (s *spool) metaPath(id string) string  { return filepath.Join(s.dir, id+".json") }

// sidecar is the JSON form of a segment's metadata.
type sidecar struct {
	ID            string           `json:"id"`
	AgreementID   string           `json:"agreement_id"`
	ParticipantID string           `json:"participant_id"`
	Source        string           `json:"source"`
	Kinds         []string         `json:"kinds"`
	StartedAt     time.Time        `json:"started_at"`
	Clock         string           `json:"clock"`
	DurationMS    int64            `json:"duration_ms,omitempty"`
	Frames        map[string]int64 `json:"frames,omitempty"`
	Size          int64            `json:"size,omitempty"`
	SHA256        string           `json:"sha256,omitempty"`
	State         string           `json:"state"`
	ObjectKey     string           `json:"object_key,omitempty"`
	CreatedAt     time.Time        `json:"created_at"`
	FinalizedAt   time.Time        `json:"finalized_at,omitzero"`
}

func toSidecar(r agreement.Recording) sidecar {
	return sidecar{ID: r.ID, AgreementID: r.AgreementID, ParticipantID: r.ParticipantID, Source: r.Source,
		Kinds: r.Kinds, StartedAt: r.StartedAt, Clock: r.Clock, DurationMS: r.DurationMS, Frames: r.Frames,
		Size: r.Size, SHA256: r.SHA256, State: string(r.State), ObjectKey: r.ObjectKey,
		CreatedAt: r.CreatedAt, FinalizedAt: r.FinalizedAt}
}

func (c sidecar) recording() agreement.Recording {
	return agreement.Recording{ID: c.ID, AgreementID: c.AgreementID, ParticipantID: c.ParticipantID,
		Source: c.Source, Kinds: c.Kinds, StartedAt: c.StartedAt, Clock: c.Clock, DurationMS: c.DurationMS,
		Frames: c.Frames, Size: c.Size, SHA256: c.SHA256, State: agreement.RecordingState(c.State),
		ObjectKey: c.ObjectKey, CreatedAt: c.CreatedAt, FinalizedAt: c.FinalizedAt}
}

// writeMeta writes a segment's metadata atomically (temp file, fsync, rename).
func (s *spool) writeMeta(r agreement.Recording) error {
	b, err := json.MarshalIndent(toSidecar(r), "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".meta-*")
	if err != nil {
		return fmt.Errorf("write recording metadata: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.metaPath(r.ID))
	}
	if err != nil {
		return fmt.Errorf("write recording metadata: %w", err)
	}
	return nil
}

func (s *spool) readMeta(id string) (agreement.Recording, error) {
	b, err := os.ReadFile(s.metaPath(id))
	if err != nil {
		return agreement.Recording{}, err
	}
	var c sidecar
	if err := json.Unmarshal(b, &c); err != nil {
		return agreement.Recording{}, fmt.Errorf("recording metadata %s: %w", id, err)
	}
	if c.ID != id {
		return agreement.Recording{}, fmt.Errorf("recording metadata %s names segment %q", id, c.ID)
	}
	return c.recording(), nil
}

// list returns the segments in the spool, oldest first, and removes leftover temp files.
func (s *spool) list() ([]agreement.Recording, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("read recording spool: %w", err)
	}
	var out []agreement.Recording
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".meta-"):
			_ = os.Remove(filepath.Join(s.dir, name))
		case strings.HasSuffix(name, ".json"):
			r, err := s.readMeta(strings.TrimSuffix(name, ".json"))
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b agreement.Recording) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

// remove deletes a segment's media, then its metadata.
func (s *spool) remove(id string) error {
	if err := os.Remove(s.mediaPath(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.Remove(s.metaPath(id))
}
