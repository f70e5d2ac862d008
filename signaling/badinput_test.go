package signaling_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

func TestMalformedMessagesLeaveRoomWorking(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	viewer := h.mustJoin(ctx, "mou", "viewer", "witness")
	pub := h.mustJoin(ctx, "mou", "speaker", "signatory")
	if err := pub.publish(ctx, "s", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "media before the abuse", func() bool { return viewer.count("speaker", "video") > 5 })
	bad := h.mustJoin(ctx, "mou", "mallory", "signatory")
	// The server offers mallory the speaker's tracks as she joins; until her client has
	// answered, an answer of her own is a bad answer to that offer, not one without an offer.
	waitFor(t, 20*time.Second, "mallory's subscription settled", func() bool { return bad.count("speaker", "video") > 0 })
	tests := []struct {
		name, frame, code string
	}{
		{"not json", `{"type":`, protocol.CodeBadMessage},
		{"unknown type", `{"type":"explode"}`, protocol.CodeBadMessage},
		{"wrong field type", `{"type":"offer","sdp":42}`, protocol.CodeBadMessage},
		{"oversized", `{"type":"ping","pad":"` + strings.Repeat("x", 70<<10) + `"}`, protocol.CodeTooLarge},
		{"second join", `{"type":"join","token":"again"}`, protocol.CodeAlreadyJoined},
		{"answer without offer", `{"type":"answer","sdp":"v=0"}`, protocol.CodeOutOfOrder},
		{"candidate before offer", `{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host"}}`, protocol.CodeOutOfOrder},
		{"sdp that does not parse", `{"type":"offer","sdp":"this is not sdp"}`, protocol.CodeBadSDP},
		{"host action without host grant", `{"type":"remove_participant","participant":"speaker"}`, protocol.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := bad.c.SendRaw(ctx, []byte(tt.frame)); err != nil {
				t.Fatalf("send: %v", err)
			}
			m := waitEvent(t, bad.c, protocol.TypeError, 5*time.Second)
			if m.Code != tt.code {
				t.Errorf("error code = %q (%s), want %q", m.Code, m.Message, tt.code)
			}
		})
	}
	before := viewer.count("speaker", "video")
	waitFor(t, 10*time.Second, "media after the abuse", func() bool { return viewer.count("speaker", "video") > before+20 })
	if err := bad.c.Send(ctx, map[string]string{"type": "ping"}); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, bad.c, protocol.TypePong, 5*time.Second)
}

func TestCandidateFloodIsBounded(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	viewer := h.mustJoin(ctx, "mou", "viewer", "witness")
	pub := h.mustJoin(ctx, "mou", "speaker", "signatory")
	if err := pub.publish(ctx, "s", media); err != nil {
		t.Fatal(err)
	}
	cand := `{"type":"candidate","target":"publisher","candidate":{"candidate":"candidate:1 1 udp 2130706431 127.0.0.1 9 typ host","sdpMid":"0"}}`
	var errs, violations int
	for i := 0; i < 200; i++ {
		if err := pub.c.SendRaw(ctx, []byte(cand)); err != nil {
			break // the server hung up on the flood: also a bounded response
		}
	}
	deadline := time.After(5 * time.Second)
loop:
	for {
		select {
		case m := <-pub.c.Events():
			switch {
			case m.Type == protocol.TypeError:
				errs++
			case m.Type == protocol.TypeBye && m.Reason == protocol.ReasonViolation:
				violations++
				break loop
			}
		case <-deadline:
			break loop
		}
	}
	if errs == 0 {
		t.Errorf("a flood of 200 candidates produced no error")
	}
	if errs > 40 {
		t.Errorf("the flood produced %d error messages, want a bounded number", errs)
	}
	if violations != 1 {
		t.Errorf("flooder got %d protocol_violation byes, want 1 (disconnected)", violations)
	}
	before := viewer.count("speaker", "video")
	other := h.mustJoin(ctx, "mou", "other", "signatory")
	if err := other.publish(ctx, "o", media); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the room to keep working", func() bool {
		return viewer.count("other", "video") > 10 && viewer.count("speaker", "video") >= before
	})
}

func TestJoinIsChecked(t *testing.T) {
	h := newHarness(t, signaling.Config{JoinTimeout: 500 * time.Millisecond})
	ctx := testCtx(t)
	other, _ := h.invite("other-agreement", "x", "signatory")
	tests := []struct {
		name, frame, code string
	}{
		{"not join first", `{"type":"ping"}`, protocol.CodeNotJoined},
		{"garbage", `hello`, protocol.CodeNotJoined},
		{"unknown token", `{"type":"join","token":"forged"}`, protocol.CodeUnauthorized},
		{"token of another agreement", `{"type":"join","token":"` + other + `"}`, protocol.CodeUnauthorized},
		{"silence", ``, protocol.CodeJoinTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, _, err := websocket.Dial(ctx, h.url("mou"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.CloseNow()
			if tt.frame != "" {
				if err := conn.Write(ctx, websocket.MessageText, []byte(tt.frame)); err != nil {
					t.Fatal(err)
				}
			}
			rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			_, b, err := conn.Read(rctx)
			if err != nil {
				t.Fatalf("read error message: %v", err)
			}
			if !strings.Contains(string(b), `"code":"`+tt.code+`"`) {
				t.Errorf("got %s, want code %s", b, tt.code)
			}
			if _, _, err := conn.Read(rctx); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Errorf("connection end = %v, want policy violation close", err)
			}
		})
	}
}

func TestRoomSizeLimit(t *testing.T) {
	h := newHarness(t, signaling.Config{MaxRoomSize: 2})
	ctx := testCtx(t)
	h.mustJoin(ctx, "mou", "a", "signatory")
	h.mustJoin(ctx, "mou", "b", "signatory")
	tok, _ := h.invite("mou", "c", "signatory")
	if _, err := h.join(ctx, "mou", tok); err == nil || !strings.Contains(err.Error(), protocol.CodeRoomFull) {
		t.Errorf("third join error = %v, want %s", err, protocol.CodeRoomFull)
	}
}
