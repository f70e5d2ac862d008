// Package frontend holds the browser user interface of Signroom — plain HTML, CSS and ES
// modules with no build step — and serves it from files embedded in the binary.
//
// URL layout (mount "GET /{$}" and "GET /app/" on this handler):
//
//	/                    index.html: staff login and the agreements list
//	/app/join.html       invitation page and the live ceremony (token in the URL fragment)
//	/app/css/, /app/js/  style sheet and ES modules
//	/app/i18n/LANG.json  the ko, zh and en string catalogs
//	/app/verify.html     the public verify page: package evidence as WebAssembly, in the browser
//	/app/wasm/           signroom-verify.wasm and Go's wasm_exec.js, when built (make build)
//
// The WebAssembly verifier is generated, not committed: `make build`, `make run` and
// `make test` build it into app/wasm/ before the binary, so go:embed takes it in; a binary
// built without it serves the verify page, which then says so.
//
// Every response carries Cache-Control: no-cache with a strong ETag (the file names carry no
// content hash, so browsers revalidate and get 304 when nothing changed), a strict
// Content-Security-Policy, nosniff and no-referrer.
package frontend

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed index.html app i18n
var files embed.FS

// csp allows same-origin scripts, styles, fetches and WebSockets, and local media streams.
const csp = "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
	"media-src 'self' blob: mediastream:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// verifyCSP is csp plus 'wasm-unsafe-eval', which compiling the verifier module needs; its
// connect-src stays 'self', so the page cannot send a file to any other site.
var verifyCSP = strings.Replace(csp, "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", 1)

// asset is one embedded file ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
	gz          *gzipped // the WebAssembly verifier only
}

// Handler serves the embedded frontend. Unknown paths get 404.
func Handler() http.Handler {
	assets := map[string]asset{}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a := asset{body: b, contentType: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		if path.Ext(name) == ".wasm" {
			a.gz = &gzipped{}
		}
		assets[urlPath(name)] = a
		return nil
	})
	if err != nil {
		panic("frontend: embedded files unreadable: " + err.Error()) // a build defect, not a runtime condition
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serve(w, r, assets)
	})
}

// urlPath maps an embedded file name to the URL path it is served at.
func urlPath(name string) string {
	switch {
	case name == "index.html":
		return "/"
	case strings.HasPrefix(name, "i18n/"):
		return "/app/" + name
	default:
		return "/" + name
	}
}

func serve(w http.ResponseWriter, r *http.Request, assets map[string]asset) {
	p := r.URL.Path
	if p == "/index.html" || p == "/app/" || p == "/app" {
		http.Redirect(w, r, "/", http.StatusMovedPermanently)
		return
	}
	a, ok := assets[p]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if p == "/app/verify.html" {
		h.Set("Content-Security-Policy", verifyCSP)
	} else {
		h.Set("Content-Security-Policy", csp)
	}
	h.Set("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self)")
	if serveGzip(w, r, a) {
		return
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// contentType names the media type of an embedded file by its extension; the system's MIME
// table is not consulted so the answer is the same on every machine.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".wasm":
		return "application/wasm"
	default:
		return "application/octet-stream"
	}
}
