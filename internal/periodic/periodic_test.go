package periodic

import (
	"context"
	"testing"
	"time"
)

// run runs Run in a goroutine and returns how many calls it made before returning; stopAt
// cancels the context at that call (0: after wait instead).
func run(t *testing.T, interval time.Duration, now bool, stopAt int, wait time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(ctx, interval, now, func(context.Context) {
			calls++
			if calls == stopAt {
				cancel()
			}
		})
	}()
	if stopAt == 0 {
		time.Sleep(wait)
		cancel()
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	return calls
}

func TestRunCallsAtOnceWithNow(t *testing.T) {
	if n := run(t, time.Hour, true, 1, 0); n != 1 {
		t.Fatalf("%d calls", n)
	}
}

func TestRunCallsEveryInterval(t *testing.T) {
	if n := run(t, 5*time.Millisecond, false, 3, 0); n != 3 {
		t.Fatalf("%d calls after the context ended at the third", n)
	}
}

func TestRunWaitsForTheFirstIntervalWithoutNow(t *testing.T) {
	if n := run(t, time.Hour, false, 0, 50*time.Millisecond); n != 0 {
		t.Fatalf("%d calls before the first interval", n)
	}
}
