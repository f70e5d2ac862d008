package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// Timeline is the recordings' common timeline: Origin (offset 0) is the earliest
// recording's start, every recording's StartOffsetMS is its start after Origin, and each
// signature is placed on it by its signing time, so an archive can play every venue in
// sync and show when each signature was made. Offsets are whole milliseconds, truncated
// toward zero; a signature made before Origin has a negative offset.
type Timeline struct {
	Origin     time.Time      `json:"origin"`
	Signatures []TimelineMark `json:"signatures"`
}

// TimelineMark is a signature's place on the Timeline.
type TimelineMark struct {
	ParticipantID string    `json:"participant_id"`
	SignedAt      time.Time `json:"signed_at"`
	OffsetMS      int64     `json:"offset_ms"`
}

// CheckTimeline names the check of the recording timeline.
const CheckTimeline = "recording timeline"

func offsetMS(t, origin time.Time) int64 { return t.Sub(origin).Milliseconds() }

// PlaceOnTimeline sets m's Timeline from its recordings' StartedAt and its signatures, and
// each recording's StartOffsetMS. Without recordings it removes the Timeline.
func PlaceOnTimeline(m *Manifest) {
	if len(m.Recordings) == 0 {
		m.Timeline = nil
		return
	}
	origin := m.Recordings[0].StartedAt
	for _, r := range m.Recordings {
		if r.StartedAt.Before(origin) {
			origin = r.StartedAt
		}
	}
	tl := &Timeline{Origin: origin.UTC(), Signatures: []TimelineMark{}}
	for i, r := range m.Recordings {
		m.Recordings[i].StartOffsetMS = offsetMS(r.StartedAt, origin)
	}
	for _, s := range m.Signatures {
		tl.Signatures = append(tl.Signatures, TimelineMark{ParticipantID: s.ParticipantID, SignedAt: s.SignedAt, OffsetMS: offsetMS(s.SignedAt, origin)})
	}
	m.Timeline = tl
}

// checkTimeline checks that m's Timeline is the one PlaceOnTimeline makes of its
// recordings and signatures.
func checkTimeline(m Manifest) error {
	if m.Timeline == nil {
		return errors.New("the manifest lists recordings with start times but no timeline")
	}
	want := m
	want.Recordings = append([]Recording(nil), m.Recordings...)
	PlaceOnTimeline(&want)
	tl := m.Timeline
	if !tl.Origin.Equal(want.Timeline.Origin) {
		return fmt.Errorf("origin %s, but the earliest recording starts at %s", tl.Origin.Format(time.RFC3339Nano), want.Timeline.Origin.Format(time.RFC3339Nano))
	}
	for i, r := range m.Recordings {
		if r.StartOffsetMS != want.Recordings[i].StartOffsetMS {
			return fmt.Errorf("recording %s/%s: start_offset_ms %d, its start is %d ms after the origin", r.ParticipantID, r.Filename, r.StartOffsetMS, want.Recordings[i].StartOffsetMS)
		}
	}
	if len(tl.Signatures) != len(want.Timeline.Signatures) {
		return fmt.Errorf("%d signatures on the timeline, the manifest has %d", len(tl.Signatures), len(want.Timeline.Signatures))
	}
	for i, s := range tl.Signatures {
		w := want.Timeline.Signatures[i]
		if s.ParticipantID != w.ParticipantID || !s.SignedAt.Equal(w.SignedAt) || s.OffsetMS != w.OffsetMS {
			return fmt.Errorf("signature %d on the timeline is %s at %d ms, want %s at %d ms", i+1, s.ParticipantID, s.OffsetMS, w.ParticipantID, w.OffsetMS)
		}
	}
	return nil
}

// hasStartTimes reports whether any recording carries its start time (and so must be on a
// timeline).
func hasStartTimes(m Manifest) bool {
	for _, r := range m.Recordings {
		if !r.StartedAt.IsZero() {
			return true
		}
	}
	return false
}

func (v *bundleVerifier) timeline(m Manifest) {
	if m.Timeline == nil && !hasStartTimes(m) {
		return
	}
	detail := ""
	if m.Timeline != nil {
		detail = fmt.Sprintf("%d recordings and %d signatures placed from %s", len(m.Recordings), len(m.Timeline.Signatures), m.Timeline.Origin.Format(time.RFC3339))
	}
	v.rep.result(CheckTimeline, checkTimeline(m), detail)
}

// recordingMatches streams a hash-only recording's file and compares it with the manifest.
func recordingMatches(open func(Recording) (io.ReadCloser, error), r Recording) error {
	rc, err := open(r)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, r.Size+1))
	if err != nil {
		return err
	}
	if sum := hex.EncodeToString(h.Sum(nil)); n != r.Size || sum != r.SHA256 {
		return fmt.Errorf("the file holds %d bytes with sha256 %s, the manifest says %d bytes with %s", n, sum, r.Size, r.SHA256)
	}
	return nil
}
