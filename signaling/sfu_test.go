package signaling_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
)

var media = client.MediaConfig{VideoBitrate: 300_000, FPS: 20}

func TestThreeParticipantsReceiveEachOther(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	ids := []string{"gangwon", "nanjing", "association"}
	peers := map[string]*peer{}
	for _, id := range ids {
		p := h.mustJoin(ctx, "mou", id, "signatory")
		if err := p.publish(ctx, id, media); err != nil {
			t.Fatalf("%s publish: %v", id, err)
		}
		peers[id] = p
	}
	const want = 30
	for _, rx := range ids {
		for _, tx := range ids {
			for _, kind := range []string{"audio", "video"} {
				if rx == tx {
					continue
				}
				waitFor(t, 20*time.Second, fmt.Sprintf("%s to get %d %s packets from %s", rx, want, kind, tx),
					func() bool { return peers[rx].count(tx, kind) >= want })
			}
		}
		for _, kind := range []string{"audio", "video"} {
			if got := peers[rx].count(rx, kind); got != 0 {
				t.Errorf("%s received %d of its own %s packets, want 0", rx, got, kind)
			}
		}
	}
}

func TestLateJoinerGetsKeyframe(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	pub := h.mustJoin(ctx, "mou", "venue-chuncheon", "venue")
	if err := pub.publish(ctx, "cam", media); err != nil { // key frames only at start and on PLI
		t.Fatalf("publish: %v", err)
	}
	early := h.mustJoin(ctx, "mou", "early", "observer")
	waitFor(t, 20*time.Second, "early video", func() bool { return early.count("venue-chuncheon", "video") > 10 })
	time.Sleep(time.Second) // the stream's only unrequested key frame is long gone
	late := h.mustJoin(ctx, "mou", "late", "observer")
	waitFor(t, 20*time.Second, "late video", func() bool { return late.count("venue-chuncheon", "video") > 5 })
	late.mu.Lock()
	defer late.mu.Unlock()
	if !late.firstKey["venue-chuncheon|video"] {
		t.Errorf("late joiner's first video packet is not a key frame")
	}
	if late.firstKey["venue-chuncheon|video|ext"] {
		t.Errorf("forwarded video carries the publisher's header extensions; want them stripped")
	}
}

func TestObserverCannotPublish(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	watcher := h.mustJoin(ctx, "mou", "watcher", "signatory")
	obs := h.mustJoin(ctx, "mou", "observer", "observer")
	if g := obs.c.Welcome().Self.Grants; g.Publish || !g.Subscribe {
		t.Fatalf("observer grants = %+v, want subscribe only", g)
	}
	src, err := client.NewSource("obs")
	if err != nil {
		t.Fatal(err)
	}
	errCh := make(chan error, 1)
	go func() { _, err := obs.c.Publish(ctx, nil, src.Audio, src.Video); errCh <- err }()
	m := waitEvent(t, obs.c, protocol.TypeError, 10*time.Second)
	if m.Code != protocol.CodeForbidden || m.Ref != protocol.TypeOffer {
		t.Errorf("error = %s/%s, want %s/%s", m.Code, m.Ref, protocol.CodeForbidden, protocol.TypeOffer)
	}
	time.Sleep(500 * time.Millisecond)
	for {
		select {
		case ev := <-watcher.c.Events():
			if ev.Type == protocol.TypeTrackAdded {
				t.Errorf("watcher saw track %+v from an observer", ev.Track)
			}
			continue
		default:
		}
		break
	}
	if got := watcher.count("observer", "video") + watcher.count("observer", "audio"); got != 0 {
		t.Errorf("watcher received %d packets from the observer, want 0", got)
	}
}

func TestRevokedInvitationIsDisconnected(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	host := h.mustJoin(ctx, "mou", "mc", "host")
	tok, adm := h.invite("mou", "exporter", "signatory")
	victim, err := h.join(ctx, "mou", tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := victim.publish(ctx, "exporter", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media from exporter", func() bool { return host.count("exporter", "video") > 5 })
	if !h.hub.Connected("mou", "exporter") {
		t.Errorf("Connected(exporter) = false before revoke, want true")
	}
	h.hub.Revoke("mou", adm.TokenID)
	if h.hub.Connected("mou", "exporter") {
		t.Errorf("Connected(exporter) = true right after revoke, want false")
	}
	bye := waitEvent(t, victim.c, protocol.TypeBye, 5*time.Second)
	if bye.Reason != protocol.ReasonRevoked {
		t.Errorf("bye reason = %q, want %q", bye.Reason, protocol.ReasonRevoked)
	}
	select {
	case <-victim.c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("revoked connection still open")
	}
	left := waitEvent(t, host.c, protocol.TypeParticipantLeft, 5*time.Second)
	if left.ParticipantID != "exporter" || left.Reason != protocol.ReasonRevoked {
		t.Errorf("participant_left = %s/%s, want exporter/revoked", left.ParticipantID, left.Reason)
	}
	time.Sleep(200 * time.Millisecond) // let packets already on the way arrive
	before := host.count("exporter", "video")
	time.Sleep(600 * time.Millisecond)
	if after := host.count("exporter", "video"); after != before {
		t.Errorf("media still forwarded after revoke: %d -> %d packets", before, after)
	}
	if _, err := h.join(ctx, "mou", tok); err == nil {
		t.Errorf("revoked token joined again")
	}
}

func TestReconnectReplacesOldSession(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	viewer := h.mustJoin(ctx, "mou", "viewer", "witness")
	tok, _ := h.invite("mou", "nanjing", "signatory")
	first, err := h.join(ctx, "mou", tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.publish(ctx, "a", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media from the first session", func() bool { return viewer.count("nanjing", "video") > 5 })
	second, err := h.join(ctx, "mou", tok)
	if err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if bye := waitEvent(t, first.c, protocol.TypeBye, 5*time.Second); bye.Reason != protocol.ReasonReplaced {
		t.Errorf("old session bye = %q, want %q", bye.Reason, protocol.ReasonReplaced)
	}
	waitEventWhere(t, viewer.c, protocol.TypeParticipantJoined, 5*time.Second, func(m protocol.ServerMessage) bool {
		return m.ReplacedSession && m.Participant.ID == "nanjing"
	})
	before := viewer.count("nanjing", "video")
	if err := second.publish(ctx, "b", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media from the new session", func() bool { return viewer.count("nanjing", "video") > before+10 })
	third := h.mustJoin(ctx, "mou", "late", "observer")
	n := 0
	for _, p := range third.c.Welcome().Participants {
		if p.ID == "nanjing" {
			n++
		}
	}
	if got := len(third.c.Welcome().Participants); got != 2 || n != 1 {
		t.Errorf("welcome lists %d participants with %d nanjing entries, want 2 and 1", got, n)
	}
}
