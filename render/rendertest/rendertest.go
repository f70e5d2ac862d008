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
	once   sync.Once
	shared *render.Engine
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
