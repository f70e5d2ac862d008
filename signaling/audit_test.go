package signaling_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

// auditLog is an AuditSink that keeps what it was told.
type auditLog struct {
	mu     sync.Mutex
	events []string
}

func (l *auditLog) Record(agreementID string, e signaling.RoomEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf("%s %s %s participant=%v", agreementID, e.Type, e.Actor, e.Data["participant"])
	for _, k := range []string{"source", "muted", "by", "reason"} {
		if v, ok := e.Data[k]; ok {
			line += fmt.Sprintf(" %s=%v", k, v)
		}
	}
	l.events = append(l.events, line)
}

func (l *auditLog) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// TestRoomEventsAreAudited: every join, leave, mute (own and by the host) and removal reaches
// the audit sink, with who did it.
func TestRoomEventsAreAudited(t *testing.T) {
	log := &auditLog{}
	h := newHarness(t, signaling.Config{Audit: log})
	ctx := testCtx(t)
	host := h.mustJoin(ctx, "mou", "mc", "host")
	talker := h.mustJoin(ctx, "mou", "talker", "signatory")
	if err := talker.c.Send(ctx, map[string]any{"type": protocol.TypeMute, "source": "camera", "muted": true}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, host.c, protocol.TypeMuteChanged, 5*time.Second)
	if err := host.c.Send(ctx, map[string]string{"type": protocol.TypeMuteParticipant, "participant": "talker"}); err != nil {
		t.Fatal(err)
	}
	waitEventWhere(t, host.c, protocol.TypeMuteChanged, 5*time.Second, func(m protocol.ServerMessage) bool { return m.By == "mc" })
	if err := host.c.Send(ctx, map[string]string{"type": protocol.TypeRemoveParticipant, "participant": "talker"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, talker.c, protocol.TypeBye, 5*time.Second)
	host.close()
	want := []string{
		"mou ceremony.joined participant:mc participant=mc",
		"mou ceremony.joined participant:talker participant=talker",
		"mou ceremony.muted participant:talker participant=talker source=camera muted=true by=talker",
		"mou ceremony.muted participant:mc participant=talker source=microphone muted=true by=mc",
		"mou ceremony.removed participant:mc participant=talker by=mc",
		"mou ceremony.left participant:talker participant=talker reason=removed",
		"mou ceremony.left participant:mc participant=mc reason=left",
	}
	waitFor(t, 5*time.Second, "every event audited", func() bool { return len(log.lines()) >= len(want) })
	got := log.lines()
	// The removed participant's own leave and the host's removal come from two goroutines.
	if !sameEvents(got, want) {
		t.Errorf("audited:\n%s\nwant (in any order after the mutes):\n%s", join(got), join(want))
	}
}

// sameEvents compares in order up to the removal, then as sets.
func sameEvents(got, want []string) bool {
	if len(got) != len(want) || !slices.Equal(got[:4], want[:4]) {
		return false
	}
	a, b := slices.Clone(got[4:]), slices.Clone(want[4:])
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func join(lines []string) string {
	out := ""
	for _, l := range lines {
		out += "  " + l + "\n"
	}
	return out
}

// TestRosterReportsPresence: the roster lists who is in the room with what they publish,
// their mutes and a measured round trip.
func TestRosterReportsPresence(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	if got := h.hub.Roster("mou"); got != nil {
		t.Fatalf("roster of an empty room = %v, want nil", got)
	}
	h.mustJoin(ctx, "mou", "mc", "host")
	talker := h.mustJoin(ctx, "mou", "talker", "signatory")
	if err := talker.publish(ctx, "t", media); err != nil {
		t.Fatal(err)
	}
	if err := talker.c.Send(ctx, map[string]any{"type": protocol.TypeMute, "source": "camera", "muted": true}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "talker's tracks, mute and round trip", func() bool {
		r := h.hub.Roster("mou")
		return len(r) == 2 && len(r[1].Sources) == 2 && r[1].Muted["camera"] && r[1].RTT > 0
	})
	r := h.hub.Roster("mou")
	if r[0].ParticipantID != "mc" || r[1].ParticipantID != "talker" || r[0].JoinedAt.After(r[1].JoinedAt) {
		t.Errorf("roster order = %s, %s; want mc then talker, by joining time", r[0].ParticipantID, r[1].ParticipantID)
	}
	slices.Sort(r[1].Sources)
	if !slices.Equal(r[1].Sources, []string{"camera", "microphone"}) || r[1].Muted["microphone"] {
		t.Errorf("talker publishes %v muted %v, want camera and microphone, camera muted", r[1].Sources, r[1].Muted)
	}
	if len(r[0].Sources) != 0 || r[0].Unreachable != "" {
		t.Errorf("host: sources %v unreachable %q, want none and reachable", r[0].Sources, r[0].Unreachable)
	}
}
