package signaling_test

import (
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

// TestExpiredInvitationIsDisconnected: an invitation that expires mid-ceremony ends its
// session with bye "expired", and the others see it leave with that reason.
func TestExpiredInvitationIsDisconnected(t *testing.T) {
	h := newHarness(t, signaling.Config{})
	ctx := testCtx(t)
	host := h.mustJoin(ctx, "mou", "mc", "host")
	tok, adm := h.invite("mou", "guest", "observer")
	adm.ExpiresAt = time.Now().Add(1500 * time.Millisecond)
	h.adm.mu.Lock()
	h.adm.tokens[tok] = adm
	h.adm.mu.Unlock()
	guest, err := h.join(ctx, "mou", tok)
	if err != nil {
		t.Fatal(err)
	}
	if !h.hub.Connected("mou", "guest") {
		t.Fatal("guest not connected before expiry")
	}
	bye := waitEvent(t, guest.c, protocol.TypeBye, 10*time.Second)
	if bye.Reason != protocol.ReasonExpired {
		t.Errorf("bye reason = %q, want %q", bye.Reason, protocol.ReasonExpired)
	}
	left := waitEvent(t, host.c, protocol.TypeParticipantLeft, 5*time.Second)
	if left.ParticipantID != "guest" || left.Reason != protocol.ReasonExpired {
		t.Errorf("participant_left = %s/%s, want guest/expired", left.ParticipantID, left.Reason)
	}
	if h.hub.Connected("mou", "guest") {
		t.Error("guest still connected after expiry")
	}
}
