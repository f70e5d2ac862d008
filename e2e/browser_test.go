package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Chromium; a missing browser fails in CI and skips elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SIGNROOM_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s (install Debian's chromium): %v", p, err)
		}
		t.Skipf("Chromium not found at %s: %v", p, err)
	}
	return p
}

// browser is one Chromium process with one tab, its own profile and fake camera/microphone.
// It lives until the end of the test that made it; its methods fail the test they are given.
type browser struct {
	name string
	ctx  context.Context
	mu   sync.Mutex
	logs []string
}

func newBrowser(t *testing.T, name string) *browser {
	t.Helper()
	return newBrowserWith(t, name)
}

// newBrowserWith is newBrowser with further Chromium options.
func newBrowserWith(t *testing.T, name string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		// Two fake cameras (the device pickers switch between them) and the fake microphones.
		chromedp.Flag("use-fake-device-for-media-stream", "device-count=2"),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 720),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	return attachBrowser(t, name, actx, cancelAlloc)
}

// attachBrowser opens the tab of a browser on an allocator; the browser ends with the test.
func attachBrowser(t *testing.T, name string, actx context.Context, cancelAlloc context.CancelFunc) *browser {
	t.Helper()
	b := &browser{name: name}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.record))
	b.ctx = ctx
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		cancel()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s console:\n%s", name, strings.Join(b.console(), "\n"))
		}
		cancel()
		cancelAlloc()
	})
	return b
}

// record keeps the page's console output and uncaught exceptions for failure reports.
func (b *browser) record(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
		}
		line = string(ev.Type) + ": " + strings.Join(args, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		line = fmt.Sprintf("exception: %s %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil {
			line += " " + d.Exception.Description
		}
	default:
		return
	}
	b.mu.Lock()
	b.logs = append(b.logs, line)
	b.mu.Unlock()
}

func (b *browser) console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.logs...)
}

// run runs chromedp actions with a deadline, failing the test on error.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %s: %v", b.name, what, err)
	}
}

// eval evaluates a JavaScript expression of type T.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: evaluate %s: %v", b.name, expr, err)
	}
	return v
}

// waitFor polls a boolean JavaScript expression until it is true.
func (b *browser) waitFor(t *testing.T, what, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: waited %v for %s (%s): last error %v", b.name, timeout, what, expr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot saves a PNG of the viewport under $SIGNROOM_E2E_SCREENSHOTS, if set.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	dir := os.Getenv("SIGNROOM_E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("%s: screenshot: %v", b.name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string { return fmt.Sprintf("%q", s) }

// screenshotIn saves a screenshot of the page in each language, named prefix-LANG, switching
// the page's language in place and back to the one it was in.
func screenshotIn(t *testing.T, b *browser, prefix string, langs ...string) {
	t.Helper()
	was := eval[string](t, b, `document.querySelector("#lang-select").value`)
	for _, lang := range langs {
		switchLanguage(t, b, lang)
		b.screenshot(t, prefix+"-"+lang)
	}
	switchLanguage(t, b, was)
}

// textIn is screenshotIn that also checks, in each language, that the element sel reads the
// catalog's key and is in view (scrolled there if not).
func textIn(t *testing.T, b *browser, prefix, sel, key string, langs ...string) {
	t.Helper()
	was := eval[string](t, b, `document.querySelector("#lang-select").value`)
	el := `document.querySelector(` + jsString(sel) + `)`
	for _, lang := range langs {
		switchLanguage(t, b, lang)
		if got, want := eval[string](t, b, el+`.textContent`), catalog(t, lang)[key]; got != want {
			t.Errorf("%s: %s in %s = %q, want %q", b.name, sel, lang, got, want)
		}
		if !eval[bool](t, b, `(r => r.top >= 0 && r.bottom <= innerHeight)(`+el+`.getBoundingClientRect())`) {
			eval[bool](t, b, `(`+el+`.scrollIntoView({block: "center"}), true)`)
		}
		b.screenshot(t, prefix+"-"+lang)
	}
	switchLanguage(t, b, was)
}
