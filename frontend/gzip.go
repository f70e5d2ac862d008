package frontend

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// gzipped is an asset's gzip encoding, made on first request (the WebAssembly verifier:
// 10.7 MB, about 2.9 MB gzipped) so that a server start costs nothing for it.
type gzipped struct {
	once sync.Once
	body []byte
}

func (g *gzipped) bytes(plain []byte) []byte {
	g.once.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression) // a valid level: no error
		_, _ = zw.Write(plain)                                 // writes to a bytes.Buffer cannot fail
		_ = zw.Close()
		g.body = b.Bytes()
	})
	return g.body
}

// serveGzip answers with the gzip encoding when the asset has one and the client takes it
// (not for range requests). X-Decoded-Length gives the decoded size, for progress bars.
func serveGzip(w http.ResponseWriter, r *http.Request, a asset) bool {
	if a.gz == nil || r.Header.Get("Range") != "" || !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		return false
	}
	h := w.Header()
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", strings.TrimSuffix(a.etag, `"`)+`-gz"`)
	h.Set("X-Decoded-Length", strconv.Itoa(len(a.body)))
	body := a.gz.bytes(a.body)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Header.Get("If-None-Match") == h.Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return true
}
