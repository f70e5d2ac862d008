package signaling_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/protocol"
)

// TestCloseEndsEverything checks that Hub.Close ends every session with a
// bye and that no goroutine of the hub, its rooms or peers outlives it.
func TestCloseEndsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("ceremony", func(t *testing.T) {
		h := newHarness(t, signaling.Config{})
		ctx := testCtx(t)
		a := h.mustJoin(ctx, "mou", "a", "signatory")
		b := h.mustJoin(ctx, "mou", "b", "signatory")
		if err := a.publish(ctx, "a", media); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 20*time.Second, "media", func() bool { return b.count("a", "video") > 5 })
		if err := h.hub.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if bye := waitEvent(t, b.c, protocol.TypeBye, 5*time.Second); bye.Reason != protocol.ReasonShutdown {
			t.Errorf("bye reason = %q, want %q", bye.Reason, protocol.ReasonShutdown)
		}
		if _, err := h.join(ctx, "mou", "anything"); err == nil {
			t.Errorf("joined a closed hub")
		}
	}) // cleanups close the clients, the HTTP server and the client API
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after close:\n%s", before, runtime.NumGoroutine(),
				buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(100 * time.Millisecond)
	}
}
