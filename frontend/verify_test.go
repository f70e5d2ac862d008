package frontend

import (
	"net/http"
	"net/http/httptest"
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
		"signatories complete", evidence.CheckAudit, evidence.CheckSealedPDF, evidence.CheckEmbedded, evidence.CheckPDFSeal, evidence.CheckRecording}
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
