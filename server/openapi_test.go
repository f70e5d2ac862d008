package server

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// documentedRoutes reads "METHOD /path" pairs from the paths section of openapi.yaml, which
// keeps a fixed layout: two spaces before a path, four before a method.
func documentedRoutes(t *testing.T, doc []byte) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(doc))
	inPaths, path := false, ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case !inPaths || strings.TrimSpace(line) == "":
		case !strings.HasPrefix(line, " "):
			inPaths = false
		case strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     ") && strings.HasSuffix(line, ":"):
			method := strings.ToUpper(strings.TrimSuffix(strings.TrimSpace(line), ":"))
			out[method+" "+path] = true
		}
	}
	if len(out) == 0 {
		t.Fatal("no paths found in openapi.yaml")
	}
	return out
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("GET", "/api/openapi.yaml", "", nil), http.StatusOK)
	documented := documentedRoutes(t, r.raw)
	routes := map[string]bool{}
	for _, rt := range New(Config{Keys: e.keys, PasswordParams: &cheapArgon}).routeTable() {
		routes[rt.pattern()] = true
		if !documented[rt.pattern()] {
			t.Errorf("route %s is not described in openapi.yaml", rt.pattern())
		}
	}
	for d := range documented {
		if !routes[d] {
			t.Errorf("openapi.yaml describes %s, which is not a route", d)
		}
	}
}

func TestMuxErrorsUseTheErrorShape(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		want         int
		code         string
	}{
		{"GET", "/api/nothing-here", http.StatusNotFound, "not_found"},
		{"DELETE", "/api/login", http.StatusMethodNotAllowed, "method_not_allowed"},
		{"PUT", "/api/agreements", http.StatusMethodNotAllowed, "method_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := e.do(tt.method, tt.path, "", nil)
			if r.status != tt.want || r.errCode() != tt.code {
				t.Fatalf("got %d %q, want %d %q; body %s", r.status, r.errCode(), tt.want, tt.code, r.raw)
			}
			if tt.want == http.StatusMethodNotAllowed && r.header.Get("Allow") == "" {
				t.Fatalf("405 without an Allow header")
			}
		})
	}
}
