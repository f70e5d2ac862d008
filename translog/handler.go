package translog

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// tilePath matches the tlog-tiles resource paths below the prefix: tile/<L>/<N> and
// tile/entries/<N>, where <N> is x-prefixed three-digit groups, optionally .p/<W>.
var tilePath = regexp.MustCompile(`^tile/(?:[0-9]|[1-5][0-9]|6[0-3]|entries)/(?:x[0-9]{3}/)*[0-9]{3}(?:\.p/[0-9]{1,3})?$`)

// Handler serves the log read-only as c2sp.org/tlog-tiles below prefix (say PublicPath):
// the checkpoint (text/plain, not cached) and the tiles and entry bundles
// (application/octet-stream; full ones immutable); and, beside them, "key": the log's
// public key (note verifier key, one line) for monitors that trust on first use. Any other path is 404: the key and
// Tessera's state are never served.
func (l *Log) Handler(prefix string) http.Handler {
	return http.StripPrefix(strings.TrimRight(prefix, "/"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rel := strings.TrimPrefix(r.URL.Path, "/")
		switch {
		case rel == "key":
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Access-Control-Allow-Origin", "*")
			_, _ = w.Write([]byte(l.key.Public + "\n"))
		case rel == "checkpoint":
			l.serveFile(w, r, rel, "text/plain; charset=utf-8", "no-cache")
		case tilePath.MatchString(rel) && !strings.Contains(rel, ".p/"):
			l.serveFile(w, r, rel, "application/octet-stream", "public, max-age=31536000, immutable")
		case tilePath.MatchString(rel):
			l.serveFile(w, r, rel, "application/octet-stream", "public, max-age=60")
		default:
			http.NotFound(w, r)
		}
	}))
}

func (l *Log) serveFile(w http.ResponseWriter, r *http.Request, rel, ctype, cache string) {
	f, err := os.Open(filepath.Join(l.dir, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "log unavailable", http.StatusServiceUnavailable)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
