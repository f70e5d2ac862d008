package translog

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"

	"k8s.io/klog/v2"
)

// Tessera logs through klog's process-wide logger. Setting that logger at each Open would race
// with logs opened at the same time (tests open many), so klog gets one handler, once, that
// forwards to the logger of the log opened last.
var (
	klogOnce   sync.Once
	klogTarget atomic.Pointer[slog.Logger]
)

// routeKlog sends Tessera's log lines to logger from now on.
func routeKlog(logger *slog.Logger) {
	klogTarget.Store(logger.With("component", "tessera"))
	klogOnce.Do(func() { klog.SetSlogLogger(slog.New(forwardHandler{})) })
}

// forwardHandler hands each record to klogTarget's handler at the time it is logged, with the
// attributes and groups added on the way (apply).
type forwardHandler struct {
	apply func(slog.Handler) slog.Handler
}

func (f forwardHandler) target() slog.Handler {
	h := klogTarget.Load().Handler()
	if f.apply != nil {
		h = f.apply(h)
	}
	return h
}

func (f forwardHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return f.target().Enabled(ctx, level)
}

func (f forwardHandler) Handle(ctx context.Context, r slog.Record) error {
	return f.target().Handle(ctx, r)
}

func (f forwardHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return forwardHandler{apply: func(h slog.Handler) slog.Handler {
		if f.apply != nil {
			h = f.apply(h)
		}
		return h.WithAttrs(attrs)
	}}
}

func (f forwardHandler) WithGroup(name string) slog.Handler {
	return forwardHandler{apply: func(h slog.Handler) slog.Handler {
		if f.apply != nil {
			h = f.apply(h)
		}
		return h.WithGroup(name)
	}}
}
