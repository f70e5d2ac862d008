package render

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Defaults of Config.
const (
	DefaultDPI          = 120
	DefaultMaxPixels    = 4 << 20 // about 2048 × 2048
	DefaultThumbWidth   = 180
	DefaultWorkers      = 1
	DefaultMemoryLimit  = 256 << 20
	DefaultTimeout      = 3 * time.Minute
	DefaultMaxPages     = 1000
	DefaultMaxTextBytes = 256 << 10
	wasmPageSize        = 64 << 10
)

// DefaultFontDirs returns the directories searched for fonts when Config.FontDirs is nil;
// those that do not exist are skipped.
func DefaultFontDirs() []string { return []string{"/usr/share/fonts", "/usr/local/share/fonts"} }

// Config sets up an Engine. Zero fields take the defaults above.
type Config struct {
	Logger *slog.Logger
	// CacheDir keeps the compiled WebAssembly code between starts ("" compiles every start).
	CacheDir string
	// FontDirs are mounted read-only into the sandbox at their own paths; nil means
	// DefaultFontDirs. Nothing else of the host's file system is visible to PDFium.
	FontDirs     []string
	DPI          int           // page image resolution
	MaxPixels    int           // a page image never has more pixels than this (the DPI is lowered)
	ThumbWidth   int           // thumbnail width in pixels
	Workers      int           // documents rendered at once
	MemoryLimit  int64         // bytes of WebAssembly memory one document may use
	Timeout      time.Duration // longest time one document may take
	MaxPages     int           // documents with more pages are refused
	MaxTextBytes int           // a page's text is cut to this many bytes
	// Lazy defers the compilation from Start to the first Render or Ready: a server that
	// never renders never pays it, and one that does pays it when the first document
	// arrives instead of while everything else starts.
	Lazy bool
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.FontDirs == nil {
		c.FontDirs = DefaultFontDirs()
	}
	setDefault(&c.DPI, DefaultDPI)
	setDefault(&c.MaxPixels, DefaultMaxPixels)
	setDefault(&c.ThumbWidth, DefaultThumbWidth)
	setDefault(&c.Workers, DefaultWorkers)
	setDefault(&c.MemoryLimit, DefaultMemoryLimit)
	setDefault(&c.Timeout, DefaultTimeout)
	setDefault(&c.MaxPages, DefaultMaxPages)
	setDefault(&c.MaxTextBytes, DefaultMaxTextBytes)
	return c
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}

// ErrNotReady is returned by Render after Close, or when the engine failed to start.
var ErrNotReady = errors.New("render: engine not available")

// Engine renders PDFs. It is safe for concurrent use.
type Engine struct {
	cfg      Config
	log      *slog.Logger
	ready    chan struct{} // closed when the compilation ended (pool or err is set)
	pool     pdfium.Pool
	err      error
	slots    chan struct{}
	fonts    []string // the font directories actually mounted
	fontRoot string   // the private directory of links to them
	cjk      bool     // a CJK font is among them

	closing   chan struct{}
	beginOnce sync.Once
	closeOnce sync.Once
	mu        sync.Mutex // guards pool (while compiling) and closed
	closed    bool
}

// Start begins compiling the PDFium module in the background (with Config.Lazy, at the first
// Render or Ready) and returns at once. Render waits for the compilation; Ready reports its
// outcome.
func Start(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	e := &Engine{cfg: cfg, log: cfg.Logger, ready: make(chan struct{}),
		slots: make(chan struct{}, cfg.Workers), closing: make(chan struct{})}
	if !cfg.Lazy {
		e.begin()
	}
	return e
}

// begin starts the compilation once; after Close it only marks the engine unavailable.
func (e *Engine) begin() {
	e.beginOnce.Do(func() {
		e.mu.Lock()
		closed := e.closed
		e.mu.Unlock()
		if closed {
			e.err = ErrNotReady
			close(e.ready)
			return
		}
		go e.compile()
	})
}

// compile is the one goroutine Start begins; it ends when the module is compiled. When Close
// came first, it releases what it built itself, so that Close never waits for a compile.
func (e *Engine) compile() {
	t0 := time.Now()
	pool, err := e.build()
	e.mu.Lock()
	closed := e.closed
	if err == nil && !closed {
		e.pool = pool
	}
	e.mu.Unlock()
	switch {
	case err != nil:
		e.err = err
		e.log.Error("page renderer unavailable", "err", err)
	case closed:
		e.err = ErrNotReady
		_ = pool.Close()
	default:
		e.logReady(time.Since(t0))
	}
	if closed || err != nil {
		e.removeFontRoot()
	}
	close(e.ready)
}

func (e *Engine) build() (pdfium.Pool, error) {
	rc, err := e.runtimeConfig()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	fsc, err := e.fontMounts()
	if err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	pool, err := webassembly.Init(webassembly.Config{MinIdle: 0, MaxIdle: e.cfg.Workers, MaxTotal: e.cfg.Workers,
		FSConfig: fsc, RuntimeConfig: rc, Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		return nil, fmt.Errorf("render: start pdfium: %w", err)
	}
	e.cjk = hasCJKFont(e.fonts)
	return pool, nil
}

func (e *Engine) logReady(took time.Duration) {
	if !e.cjk {
		e.log.Warn("no CJK font found: Korean and Chinese text that a PDF does not embed will be left out of page images; install fonts-noto-cjk (Debian) or another CJK font",
			"font_dirs", e.fonts)
	}
	e.log.Info("page renderer ready", "took", took.Round(time.Millisecond), "font_dirs", e.fonts,
		"cached", e.cfg.CacheDir != "")
}

func (e *Engine) removeFontRoot() {
	if e.fontRoot != "" {
		if err := os.RemoveAll(e.fontRoot); err != nil {
			e.log.Warn("remove font links", "dir", e.fontRoot, "err", err)
		}
	}
}

// fontMounts builds the sandbox's only file system: a private directory whose fonts/N
// entries are symbolic links to the configured font directories, mounted read-only where
// PDFium looks for system fonts (/usr/share/fonts). PDFium does not find fonts in a font
// directory mounted directly at that path; through the links it does, and it still sees
// nothing but fonts.
func (e *Engine) fontMounts() (wazero.FSConfig, error) {
	root, err := os.MkdirTemp("", "signroom-fonts-")
	if err != nil {
		return nil, fmt.Errorf("font directory: %w", err)
	}
	e.fontRoot = root
	if err := os.Mkdir(filepath.Join(root, "fonts"), 0o700); err != nil {
		return nil, fmt.Errorf("font directory: %w", err)
	}
	for _, dir := range e.cfg.FontDirs {
		abs, err := filepath.Abs(dir)
		if st, serr := os.Stat(abs); err != nil || serr != nil || !st.IsDir() {
			continue
		}
		if err := os.Symlink(abs, filepath.Join(root, "fonts", strconv.Itoa(len(e.fonts)))); err != nil {
			return nil, fmt.Errorf("font directory: %w", err)
		}
		e.fonts = append(e.fonts, abs)
	}
	return wazero.NewFSConfig().WithReadOnlyDirMount(root, "/usr/share"), nil
}

// runtimeConfig is wazero's configuration: the features the PDFium build needs, the memory
// cap, cancellation by context, and the compilation cache.
func (e *Engine) runtimeConfig() (wazero.RuntimeConfig, error) {
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithMemoryLimitPages(uint32(e.cfg.MemoryLimit / wasmPageSize)).
		WithCloseOnContextDone(true)
	if e.cfg.CacheDir == "" {
		return rc, nil
	}
	dir := filepath.Join(e.cfg.CacheDir, "wazero")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	cache, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("compilation cache: %w", err)
	}
	return rc.WithCompilationCache(cache), nil
}

// Ready waits until the engine is compiled (starting a lazy one) and reports whether it can
// render.
func (e *Engine) Ready(ctx context.Context) error {
	e.begin()
	select {
	case <-e.ready:
		if e.err != nil {
			return errors.Join(ErrNotReady, e.err)
		}
		if e.pool == nil {
			return ErrNotReady
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FontDirs returns the font directories mounted into the sandbox (after Ready).
func (e *Engine) FontDirs() []string { return e.fonts }

// HasCJKFont reports (after Ready) whether a Korean/Chinese/Japanese font was found in the
// font directories, judged by file names such as NotoSansCJK-Regular.ttc or NanumGothic.ttf.
func (e *Engine) HasCJKFont() bool { return e.cjk }

// cjkFontName matches the file names of common CJK font families.
var cjkFontName = regexp.MustCompile(`(?i)(cjk|nanum|wqy|wenquanyi|droidsansfallback|unbatang|undotum|baekmuk|uming|ukai|sourcehan|notosans(kr|sc|tc|jp)|notoserif(kr|sc|tc|jp))`)

func hasCJKFont(dirs []string) bool {
	found := errors.New("found")
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && cjkFontName.MatchString(d.Name()) {
				return found
			}
			return nil
		})
		if errors.Is(err, found) {
			return true
		}
	}
	return false
}

// Close releases the engine: renders in flight finish first, later ones return ErrNotReady.
// It does not wait for a compilation still under way; that one releases itself.
func (e *Engine) Close() error {
	var err error
	e.closeOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		pool := e.pool
		e.mu.Unlock()
		close(e.closing)
		e.begin()        // a lazy engine never started: only marks it unavailable
		if pool == nil { // still compiling (it cleans up after itself) or failed
			return
		}
		for range cap(e.slots) { // wait for renders in flight; later ones see closing
			e.slots <- struct{}{}
		}
		err = pool.Close()
		e.removeFontRoot()
	})
	return err
}

// acquire waits for the engine and a free worker slot; release gives the slot back.
func (e *Engine) acquire(ctx context.Context) (release func(), err error) {
	if err := e.Ready(ctx); err != nil {
		return nil, err
	}
	select {
	case e.slots <- struct{}{}:
	case <-e.closing:
		return nil, ErrNotReady
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-e.closing:
		<-e.slots
		return nil, ErrNotReady
	default:
	}
	return func() { <-e.slots }, nil
}

// Ping reports, without waiting, whether the engine failed to start or is closed. While it
// is still compiling, or a lazy engine has not started, it answers nil: renders then wait,
// they do not fail. /readyz uses it.
func (e *Engine) Ping(ctx context.Context) error {
	select {
	case <-e.closing:
		return ErrNotReady
	case <-e.ready:
		return e.Ready(ctx)
	default:
		return nil
	}
}
