// Package rendertest gives tests one page-rendering engine per test process, compiled once
// with the compilation cache of the machine (SIGNROOM_CACHE, else the user's cache
// directory, under signroom/), so that each package's tests pay the WebAssembly compile at
// most once and usually not at all.
package rendertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/signroom/signroom/render"
)

var (
	once, fastOnce sync.Once
	shared, fast   *render.Engine
)

// FastDPI and FastThumbWidth are Fast's image sizes.
const (
	FastDPI        = 24
	FastThumbWidth = 40
)

// CacheDir is where tests keep the compiled PDFium module.
func CacheDir() string {
	if d := os.Getenv("SIGNROOM_CACHE"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "signroom")
	}
	return filepath.Join(os.TempDir(), "signroom-cache")
}

// Engine returns the shared engine with the default configuration, ready to render. It is
// never closed: it lives as long as the test process.
func Engine(tb testing.TB) *render.Engine {
	tb.Helper()
	once.Do(func() { shared = render.Start(render.Config{CacheDir: CacheDir()}) })
	if err := shared.Ready(context.Background()); err != nil {
		tb.Fatalf("page renderer: %v", err)
	}
	return shared
}

// Fast returns a shared engine that renders small images (FastDPI, FastThumbWidth), for
// tests that upload many documents but do not look at the pixels: under the race detector a
// page at the default 120 dpi takes seconds (copying and encoding its pixels), at 24 dpi a
// tenth of a second. Everything else (opening, refusing, text) is the same.
func Fast(tb testing.TB) *render.Engine {
	tb.Helper()
	fastOnce.Do(func() {
		fast = render.Start(render.Config{CacheDir: CacheDir(), DPI: FastDPI, ThumbWidth: FastThumbWidth})
	})
	if err := fast.Ready(context.Background()); err != nil {
		tb.Fatalf("page renderer: %v", err)
	}
	return fast
}

// New starts an engine of its own with cfg (the test cache directory filled in) and closes
// it when the test ends.
func New(tb testing.TB, cfg render.Config) *render.Engine {
	tb.Helper()
	if cfg.CacheDir == "" {
		cfg.CacheDir = CacheDir()
	}
	e := render.Start(cfg)
	tb.Cleanup(func() { _ = e.Close() })
	if err := e.Ready(context.Background()); err != nil {
		tb.Fatalf("page renderer: %v", err)
	}
	return e
}
