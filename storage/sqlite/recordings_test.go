package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
)

// TestRecordingsCatalog: a segment saved twice is updated in place; each agreement lists
// only its own segments, in the order they started.
func TestRecordingsCatalog(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	start := time.Date(2026, 5, 29, 1, 2, 3, 0, time.UTC)
	segs := []agreement.Recording{
		{ID: "20260529T010203Z-b", AgreementID: "a1", ParticipantID: "p1", Kinds: []string{"audio", "video"}, StartedAt: start, State: agreement.RecordingActive},
		{ID: "20260529T010200Z-a", AgreementID: "a1", ParticipantID: "p2", Kinds: []string{"audio"}, StartedAt: start.Add(-3 * time.Second), State: agreement.RecordingActive},
		{ID: "20260529T010201Z-c", AgreementID: "a2", ParticipantID: "p3", State: agreement.RecordingActive},
	}
	for _, s := range segs {
		if err := db.SaveRecording(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	up := segs[0]
	up.State, up.SHA256, up.Size = agreement.RecordingUploaded, "ab", 42
	if err := db.SaveRecording(ctx, up); err != nil {
		t.Fatal(err)
	}
	got, err := db.Recordings(ctx, "a1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != segs[1].ID || got[1].ID != segs[0].ID {
		t.Fatalf("a1 lists %+v, want %s then %s", got, segs[1].ID, segs[0].ID)
	}
	if g := got[1]; g.State != agreement.RecordingUploaded || g.SHA256 != "ab" || g.Size != 42 || !g.StartedAt.Equal(start) || len(g.Kinds) != 2 {
		t.Errorf("updated segment = %+v", g)
	}
	if none, err := db.Recordings(ctx, "a3"); err != nil || len(none) != 0 {
		t.Errorf("a3 lists %v, %v; want none", none, err)
	}
}
