package server

import (
	"context"
	"net/http"
)

// passwordSlots bounds how many argon2id hashes or checks run at once. Each one takes the
// hash's memory parameter (64 MiB by default) for its duration, so a burst of logins would
// otherwise multiply the service's memory.
const passwordSlots = 2

// passwordGate is a counting semaphore for password work.
type passwordGate chan struct{}

// do runs fn once a slot is free, or gives up with a 503 when ctx ends first.
func (g passwordGate) do(ctx context.Context, fn func() error) error {
	select {
	case g <- struct{}{}:
	case <-ctx.Done():
		return &apiError{Status: http.StatusServiceUnavailable, Code: "busy",
			Message: "the server is busy checking passwords; try again"}
	}
	defer func() { <-g }()
	return fn()
}
