package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// gate bounds how many of one kind of costly work (verifying an uploaded file, checking an
// uploaded PDF) run at once. A caller waits at most wait for a slot and is then turned away
// with 503 busy, so a burst queues briefly instead of piling up memory.
type gate struct {
	slots chan struct{}
	wait  time.Duration
	what  string // "verifications", "uploads": named in the busy message
}

func newGate(n int, wait time.Duration, what string) *gate {
	return &gate{slots: make(chan struct{}, max(n, 1)), wait: wait, what: what}
}

// enter takes a slot; the caller must call the returned release. It fails with 503 busy
// when no slot frees within the wait or ctx ends.
func (g *gate) enter(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, nil
	case <-t.C:
	case <-ctx.Done():
	}
	return nil, &apiError{Status: http.StatusServiceUnavailable, Code: "busy",
		Message: fmt.Sprintf("the server is busy with %d %s at once; try again shortly", cap(g.slots), g.what)}
}

// busy answers a refusal from enter, telling the client when to retry.
func (s *Server) busy(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Retry-After", "5")
	s.fail(w, r, err)
}
