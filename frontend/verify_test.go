package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
)

// TestVerifyPageNamesEveryCheck: every check package evidence reports has a label and a
// plain reason in every catalog, so the verify page never shows a raw check name.
func TestVerifyPageNamesEveryCheck(t *testing.T) {
	cats := loadCatalogs(t)
	checks := []string{evidence.CheckFormat, evidence.CheckBagStructure, evidence.CheckBagInfo, evidence.CheckFixity,
		evidence.CheckCompleteness, evidence.CheckTagManifest, evidence.CheckManifestSeal, evidence.CheckManifest,
		evidence.CheckSealTrust, evidence.CheckReferenced, evidence.CheckDocument, evidence.CheckSignature, evidence.CheckBinding,
		"signatories complete", evidence.CheckAudit, evidence.CheckSealedPDF, evidence.CheckEmbedded, evidence.CheckPDFSeal, evidence.CheckRecording,
		evidence.CheckTimeline, evidence.CheckTrustedTime, evidence.CheckPDFTimestamp, evidence.CheckLogInclusion}
	var keys []string
	for _, c := range checks {
		slug := strings.ReplaceAll(c, " ", "_")
		keys = append(keys, "verify.check."+slug, "verify.why."+slug)
	}
	for _, v := range []string{"valid", "unverified", "invalid"} {
		keys = append(keys, "verify.verdict."+v, "verify.verdict_text."+v)
	}
	for _, s := range []string{"pass", "fail", "unverified"} {
		keys = append(keys, "verify.status."+s)
	}
	for _, k := range []string{"bundle", "pdf", "unknown"} {
		keys = append(keys, "verify.kind."+k)
	}
	for _, lang := range catalogLangs {
		for _, k := range keys {
			if cats[lang][k] == "" {
				t.Errorf("%s.json has no %q", lang, k)
			}
		}
	}
}

// TestVerifyPageMayRunWasmButConnectOnlyHome: the verify page may compile WebAssembly; no
// page may connect anywhere but its own origin.
func TestVerifyPageMayRunWasmButConnectOnlyHome(t *testing.T) {
	h := Handler()
	for path, wantWasm := range map[string]bool{"/app/verify.html": true, "/": false, "/app/join.html": false} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		if rec.Code != http.StatusOK || strings.Contains(csp, "wasm-unsafe-eval") != wantWasm || !strings.Contains(csp, "connect-src 'self';") {
			t.Errorf("%s: status %d, CSP %q", path, rec.Code, csp)
		}
	}
}

// TestWasmServedGzipped: a .wasm asset goes out gzip-encoded to clients that accept it, with
// its decoded length for the progress bar, and plain otherwise.
func TestWasmServedGzipped(t *testing.T) {
	plain := bytes.Repeat([]byte("\x00asm wasm bytes "), 4096)
	a := asset{body: plain, contentType: "application/wasm", etag: `"e"`, gz: &gzipped{}}
	assets := map[string]asset{"/app/wasm/x.wasm": a}
	for _, enc := range []string{"gzip, deflate, br", ""} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/app/wasm/x.wasm", nil)
		req.Header.Set("Accept-Encoding", enc)
		serve(rec, req, assets)
		body := rec.Body.Bytes()
		if enc != "" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
			if rec.Header().Get("X-Decoded-Length") != strconv.Itoa(len(plain)) || rec.Body.Len() >= len(plain)/4 {
				t.Errorf("gzip: decoded length %q, %d bytes sent for %d", rec.Header().Get("X-Decoded-Length"), rec.Body.Len(), len(plain))
			}
		}
		if !bytes.Equal(body, plain) || rec.Code != http.StatusOK {
			t.Errorf("Accept-Encoding %q: status %d, body differs", enc, rec.Code)
		}
	}
}
