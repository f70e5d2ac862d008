package readyboard

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
)

type keys map[string]bool

func (k keys) SignerKey(_ context.Context, _, pid string) (agreement.SignerKey, error) {
	if pid == "broken" {
		return agreement.SignerKey{}, errors.New("disk on fire")
	}
	if k[pid] {
		return agreement.SignerKey{ParticipantID: pid}, nil
	}
	return agreement.SignerKey{}, agreement.ErrNotFound
}

func mou() *agreement.Agreement {
	return &agreement.Agreement{ID: "a1", State: agreement.StateLive, Participants: []agreement.Participant{
		{ID: "mc", Name: "MC Park", Role: agreement.RoleHost, VenueID: "v1"},
		{ID: "kim", Name: "Kim", Role: agreement.RoleSignatory, PartyID: "p1", VenueID: "v1"},
		{ID: "wang", Name: "Wang", Role: agreement.RoleSignatory, PartyID: "p2", VenueID: "v2"},
		{ID: "liu", Name: "Liu", Role: agreement.RoleObserver, VenueID: "v2"},
		{ID: "zhao", Name: "Zhao", Role: agreement.RoleWitness, VenueID: "v2"},
	}}
}

func TestBuild(t *testing.T) {
	now := time.Date(2026, 5, 29, 10, 0, 0, 0, time.UTC)
	lobby := NewLobby()
	lobby.Seen("a1", "wang", now.Add(-10*time.Second))
	lobby.Seen("a1", "liu", now.Add(-5*time.Minute))
	lobby.Seen("a1", "kim", now.Add(-time.Minute))
	room := []Presence{
		{ParticipantID: "mc", JoinedAt: now.Add(-time.Minute), Sources: []string{"microphone", "camera"}, Muted: map[string]bool{"camera": true}, RTT: 40 * time.Millisecond},
		{ParticipantID: "kim", JoinedAt: now.Add(-30 * time.Second), Sources: []string{"microphone"}, Unreachable: "media", RTT: 30 * time.Millisecond},
	}
	b, err := Build(context.Background(), mou(), room, lobby, keys{"kim": true}, now)
	if err != nil {
		t.Fatal(err)
	}
	type line struct{ where, cam, mic, conn, key string }
	want := map[string]line{
		"mc":   {WhereRoom, DeviceOff, DeviceOn, ConnGood, "-"},
		"kim":  {WhereRoom, DeviceNone, DeviceOn, ConnLost, "true"},
		"wang": {WhereLobby, "", "", "", "false"},
		"liu":  {WhereSeen, "", "", "", "-"},
		"zhao": {WhereAbsent, "", "", "", "false"},
	}
	for _, e := range b.Participants {
		k := "-"
		if e.KeyRegistered != nil {
			k = map[bool]string{true: "true", false: "false"}[*e.KeyRegistered]
		}
		if got := (line{e.Where, e.Camera, e.Microphone, e.Connection, k}); got != want[e.ParticipantID] {
			t.Errorf("%s: got %+v, want %+v", e.ParticipantID, got, want[e.ParticipantID])
		}
	}
	if b.InRoom != 2 || b.InLobby != 1 || b.KeysMissing != 2 {
		t.Errorf("counts: room %d lobby %d keys missing %d, want 2, 1, 2", b.InRoom, b.InLobby, b.KeysMissing)
	}
	if b.Participants[3].LastSeenAt == nil || b.Participants[4].LastSeenAt != nil {
		t.Errorf("last seen: liu %v, zhao %v; want liu's time and none for zhao", b.Participants[3].LastSeenAt, b.Participants[4].LastSeenAt)
	}
}

func TestBuildKeyStoreError(t *testing.T) {
	a := mou()
	a.Participants[1].ID = "broken"
	if _, err := Build(context.Background(), a, nil, nil, keys{}, time.Now()); err == nil {
		t.Fatal("a failing key store gave no error")
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		rtt         time.Duration
		unreachable string
		want        string
	}{
		{0, "", ConnUnknown},
		{20 * time.Millisecond, "", ConnGood},
		{149 * time.Millisecond, "", ConnGood},
		{150 * time.Millisecond, "", ConnFair},
		{399 * time.Millisecond, "", ConnFair},
		{400 * time.Millisecond, "", ConnPoor},
		{20 * time.Millisecond, "network", ConnLost},
		{0, "media", ConnLost},
	}
	for _, tt := range tests {
		if got := Level(tt.rtt, tt.unreachable); got != tt.want {
			t.Errorf("Level(%v, %q) = %q, want %q", tt.rtt, tt.unreachable, got, tt.want)
		}
	}
}

func TestLobbyForgetsOldVisits(t *testing.T) {
	l := NewLobby()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.Seen("a", "p", t0)
	l.Seen("a", "q", t0.Add(8*24*time.Hour))
	if got := l.LastSeen("a", "p"); !got.IsZero() {
		t.Errorf("a visit 8 days old is still remembered: %v", got)
	}
	if got := l.LastSeen("a", "q"); !got.Equal(t0.Add(8 * 24 * time.Hour)) {
		t.Errorf("LastSeen = %v, want the recent visit", got)
	}
}
