package frontend

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesFilesWithTypesAndHeaders(t *testing.T) {
	h := Handler()
	tests := []struct {
		path, wantType, wantBody string
	}{
		{"/", "text/html; charset=utf-8", `src="/app/js/staff.js"`},
		{"/app/join.html", "text/html; charset=utf-8", `src="/app/js/join.js"`},
		{"/app/js/ceremony.js", "text/javascript; charset=utf-8", "export class Ceremony"},
		{"/app/css/signroom.css", "text/css; charset=utf-8", "Noto Sans CJK KR"},
		{"/app/i18n/ko.json", "application/json; charset=utf-8", `"app.name"`},
		{"/app/i18n/zh.json", "application/json; charset=utf-8", `"app.name"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", rec.Code)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", got)
			}
			for _, k := range []string{"ETag", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"} {
				if rec.Header().Get(k) == "" {
					t.Errorf("%s header missing", k)
				}
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body lacks %q", tt.wantBody)
			}
		})
	}
}

func TestHandlerRevalidatesWithETag(t *testing.T) {
	h := Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/app/js/join.js", nil))
	etag := rec.Header().Get("ETag")
	req := httptest.NewRequest("GET", "/app/js/join.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("status with If-None-Match = %d, want 304", rec.Code)
	}
}

func TestHandlerRefusesUnknownPaths(t *testing.T) {
	h := Handler()
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/app/nope.js", http.StatusNotFound},
		{"GET", "/embed.go", http.StatusNotFound},
		{"GET", "/i18n/en.json", http.StatusNotFound},
		{"GET", "/app/../embed.go", http.StatusNotFound},
		{"POST", "/", http.StatusNotFound},
		{"GET", "/index.html", http.StatusMovedPermanently},
		{"HEAD", "/app/join.html", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.want {
				t.Fatalf("status = %d, want %d", rec.Code, tt.want)
			}
		})
	}
}
