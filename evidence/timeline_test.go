package evidence

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestRecordingTimeline: recordings with start times and the signatures are placed on one
// timeline whose origin is the earliest start; bundle and sealed PDF pass "recording
// timeline"; a manifest whose timeline disagrees with its own start and signing times fails
// it, even sealed by the trusted key.
func TestRecordingTimeline(t *testing.T) {
	c := newCeremony(t, testSealer, 2, 1)
	starts := []time.Time{ceremonyTime.Add(11500 * time.Millisecond), ceremonyTime.Add(10 * time.Second)}
	for i := range c.manifest.Recordings {
		c.manifest.Recordings[i].StartedAt = starts[i]
	}
	PlaceOnTimeline(&c.manifest)
	m := c.manifest
	if !m.Timeline.Origin.Equal(starts[1]) || m.Recordings[0].StartOffsetMS != 1500 || m.Recordings[1].StartOffsetMS != 0 {
		t.Fatalf("timeline %+v, recordings %+v: want origin %s and offsets 1500, 0", m.Timeline, m.Recordings, starts[1])
	}
	for i, s := range m.Signatures {
		if mk := m.Timeline.Signatures[i]; mk.ParticipantID != s.ParticipantID || mk.OffsetMS != s.SignedAt.Sub(starts[1]).Milliseconds() {
			t.Errorf("mark %d = %+v, want %s at %d ms", i, mk, s.ParticipantID, s.SignedAt.Sub(starts[1]).Milliseconds())
		}
	}
	good := c.bundle(t)
	for name, b := range map[string][]byte{"bundle": good, "pdf": c.pdf(t)} {
		rep := VerifyFileWith(context.Background(), bytes.NewReader(b), int64(len(b)), testTrust())
		if !rep.OK() || countPrefix(rep, CheckTimeline) != 1 {
			t.Fatalf("%s: OK %v, %d timeline checks; failed %+v", name, rep.OK(), countPrefix(rep, CheckTimeline), rep.Failed())
		}
	}
	lies := map[string]func(m *Manifest){
		"recording offset":  func(m *Manifest) { m.Recordings[0].StartOffsetMS += 100 },
		"signature offset":  func(m *Manifest) { m.Timeline.Signatures[0].OffsetMS -= 100 },
		"origin":            func(m *Manifest) { m.Timeline.Origin = m.Timeline.Origin.Add(-time.Second) },
		"signature missing": func(m *Manifest) { m.Timeline.Signatures = m.Timeline.Signatures[1:] },
		"no timeline":       func(m *Manifest) { m.Timeline = nil },
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			c.manifest = m
			c.manifest.Recordings = append([]Recording(nil), m.Recordings...)
			tl := *m.Timeline
			tl.Signatures = append([]TimelineMark(nil), m.Timeline.Signatures...)
			c.manifest.Timeline = &tl
			lie(&c.manifest)
			if rep := verifyBytes(c.bundle(t)); !failed(rep, CheckTimeline) {
				t.Errorf("not reported: failed %+v", rep.Failed())
			}
		})
	}
}
