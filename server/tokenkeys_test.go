package server

import (
	"net/http"
	"testing"
)

// TestTokenKeyRotation: an admin lists the keys and rotates; the new key signs, the old one
// still verifies; organizers and legal staff are refused (403); keys from the environment
// cannot be rotated here.
func TestTokenKeyRotation(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.KeyDir = t.TempDir() })
	admin := e.tokens["admin"]
	for _, who := range []string{"owner", "legal", "archivist"} {
		e.must(e.do("GET", "/api/admin/token-keys", e.tokens[who], nil), http.StatusForbidden)
		e.must(e.do("POST", "/api/admin/token-keys/rotate", e.tokens[who], nil), http.StatusForbidden)
	}
	before := e.must(e.do("GET", "/api/admin/token-keys", admin, nil), http.StatusOK)
	keys := before.body["keys"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["active"] != true || before.body["rotatable"] != true {
		t.Fatalf("keys before = %s, want one active, rotatable", before.raw)
	}
	old := keys[0].(map[string]any)["kid"]
	r := e.must(e.do("POST", "/api/admin/token-keys/rotate", admin, nil), http.StatusOK)
	if r.str("kid") == "" || r.str("kid") == old {
		t.Fatalf("rotated kid = %q, want a new one (old %v)", r.str("kid"), old)
	}
	after := e.must(e.do("GET", "/api/admin/token-keys", admin, nil), http.StatusOK)
	active := map[any]bool{}
	for _, k := range after.body["keys"].([]any) {
		km := k.(map[string]any)
		active[km["kid"]] = km["active"].(bool)
	}
	if len(active) != 2 || !active[r.str("kid")] || active[old] {
		t.Fatalf("keys after = %s, want the new one active and the old one kept", after.raw)
	}
	// Tokens signed before the rotation still work.
	e.must(e.do("GET", "/api/me", e.tokens["owner"], nil), http.StatusOK)

	env := newEnv(t)
	env.must(env.do("POST", "/api/admin/token-keys/rotate", env.tokens["admin"], nil), http.StatusConflict)
}
