package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPasswordGateBoundsConcurrency(t *testing.T) {
	g := make(passwordGate, passwordSlots)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := g.do(context.Background(), func() error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				running.Add(-1)
				return nil
			})
			if err != nil {
				t.Errorf("do: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := peak.Load(); got != passwordSlots {
		t.Fatalf("peak concurrent password checks = %d, want %d", got, passwordSlots)
	}
}

func TestPasswordGateGivesUpWhenTheCallerDoes(t *testing.T) {
	g := make(passwordGate, 1)
	g <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	err := g.do(ctx, func() error { ran = true; return nil })
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != http.StatusServiceUnavailable || ran {
		t.Fatalf("do with no free slot = %v (ran %v), want a 503 without running", err, ran)
	}
}
