package signaling_test

import (
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

func TestHostMutesAndRemoves(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	host := h.mustJoin(ctx, "mou", "mc", "host")
	talkerTok, _ := h.invite("mou", "talker", "signatory")
	talker, err := h.join(ctx, "mou", talkerTok)
	if err != nil {
		t.Fatal(err)
	}
	if err := talker.publish(ctx, "t", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "talker audio", func() bool { return host.count("talker", "audio") > 10 })
	if err := host.c.Send(ctx, map[string]string{"type": protocol.TypeMuteParticipant, "participant": "talker"}); err != nil {
		t.Fatal(err)
	}
	m := waitEvent(t, talker.c, protocol.TypeMuteChanged, 5*time.Second)
	if m.ParticipantID != "talker" || m.Source != protocol.SourceMicrophone || m.Muted == nil || !*m.Muted || m.By != "mc" {
		t.Errorf("mute_changed = %+v, want talker microphone muted by mc", m)
	}
	time.Sleep(300 * time.Millisecond)
	audio, video := host.count("talker", "audio"), host.count("talker", "video")
	time.Sleep(700 * time.Millisecond)
	if got := host.count("talker", "audio"); got != audio {
		t.Errorf("muted audio still forwarded: %d -> %d packets", audio, got)
	}
	if got := host.count("talker", "video"); got <= video {
		t.Errorf("video stopped with the microphone: %d -> %d packets", video, got)
	}
	if err := talker.c.Send(ctx, map[string]any{"type": protocol.TypeMute, "source": "microphone", "muted": false}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "audio after unmute", func() bool { return host.count("talker", "audio") > audio+10 })

	if err := host.c.Send(ctx, map[string]string{"type": protocol.TypeRemoveParticipant, "participant": "talker"}); err != nil {
		t.Fatal(err)
	}
	if bye := waitEvent(t, talker.c, protocol.TypeBye, 5*time.Second); bye.Reason != protocol.ReasonRemoved {
		t.Errorf("bye reason = %q, want %q", bye.Reason, protocol.ReasonRemoved)
	}
	if _, err := h.join(ctx, "mou", talkerTok); err == nil {
		t.Errorf("removed invitation joined again")
	} else if !strings.Contains(err.Error(), ": "+protocol.CodeRemoved+" ") {
		t.Errorf("rejoin after removal refused with %v, want code %s", err, protocol.CodeRemoved)
	}
}

func TestSpeakingAndEvents(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	listener := h.mustJoin(ctx, "mou", "listener", "witness")
	talker := h.mustJoin(ctx, "mou", "talker", "signatory")
	if err := talker.publish(ctx, "t", media); err != nil {
		t.Fatal(err)
	}
	ext := uint8(0)
	for _, tr := range talker.c.PublisherPC().GetTransceivers() {
		for _, e := range tr.Sender().GetParameters().HeaderExtensions {
			if strings.Contains(e.URI, "ssrc-audio-level") {
				ext = uint8(e.ID)
			}
		}
	}
	if ext == 0 {
		t.Fatal("audio level extension not negotiated")
	}
	talker.src.SetAudioLevel(ext, 20)
	m := waitEventWhere(t, listener.c, protocol.TypeSpeaking, 10*time.Second, func(m protocol.ServerMessage) bool {
		return len(m.Speakers) > 0
	})
	if len(m.Speakers) != 1 || m.Speakers[0] != "talker" {
		t.Errorf("speakers = %v, want [talker]", m.Speakers)
	}
	talker.src.SetAudioLevel(ext, 127)
	waitEventWhere(t, listener.c, protocol.TypeSpeaking, 10*time.Second, func(m protocol.ServerMessage) bool {
		return len(m.Speakers) == 0
	})

	h.hub.Broadcast("mou", signaling.Event{Name: "state_changed", Data: map[string]string{"state": "signing"}})
	ev := waitEvent(t, listener.c, protocol.TypeEvent, 5*time.Second)
	if ev.Event != "state_changed" || string(ev.Data) != `{"state":"signing"}` {
		t.Errorf("event = %s %s, want state_changed {\"state\":\"signing\"}", ev.Event, ev.Data)
	}
	if n := metricValue(t, h, "signroom_sfu_participants"); n != 2 {
		t.Errorf("participants gauge = %v, want 2", n)
	}
	h.hub.CloseRoom("mou", protocol.ReasonRoomClosed)
	if bye := waitEvent(t, listener.c, protocol.TypeBye, 5*time.Second); bye.Reason != protocol.ReasonRoomClosed {
		t.Errorf("bye reason = %q, want %q", bye.Reason, protocol.ReasonRoomClosed)
	}
}

func metricValue(t *testing.T, h *harness, name string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			m := mf.GetMetric()[0]
			if g := m.GetGauge(); g != nil {
				return g.GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("metric %s not found", name)
	return 0
}
