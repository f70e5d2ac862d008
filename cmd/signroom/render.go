package main

import (
	"os"
	"path/filepath"

	"github.com/signroom/signroom/render"
)

// defaultRenderCache is where the compiled page renderer is kept between starts: the user's
// cache directory (~/.cache/signroom on Linux), so that every data directory of the same
// user, tests' included, shares one compilation.
func defaultRenderCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "signroom")
	}
	return ""
}

// openRenderer sets up the page renderer lazily: the WebAssembly compilation (seconds of
// one core, about 10 s without the cache) and its memory are paid when the first document is
// uploaded, not at start, where they would compete with everything else starting on a
// small machine (see docs/benchmarks.md, "Page rendering").
func (m *Main) openRenderer() {
	m.Renderer = render.Start(render.Config{Logger: m.Logger.With("component", "renderer"),
		CacheDir: m.Config.RenderCache, Lazy: true})
	m.closers = append(m.closers, m.Renderer.Close)
}
