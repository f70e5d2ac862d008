// Package periodic runs the service's background jobs (fixity, automatic close, time-stamp
// retries, key reloads, pruning) at a fixed interval.
package periodic

import (
	"context"
	"time"
)

// Run calls fn every interval until ctx ends, and first once at once if now is set. A call
// that outlasts the interval delays the next one rather than overlapping it.
func Run(ctx context.Context, interval time.Duration, now bool, fn func(context.Context)) {
	if now && ctx.Err() == nil {
		fn(ctx)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fn(ctx)
	}
}
