package server

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signroom/signroom/auth"
)

// forge signs staff claims for the owner with method and key, with the real kid and typ.
func forge(t *testing.T, e *env, method jwt.SigningMethod, key any) string {
	t.Helper()
	now := time.Now()
	claims := auth.StaffClaims{Roles: []string{auth.RoleOrganizer}, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: testIssuer, Subject: e.users["owner"].ID, Audience: jwt.ClaimStrings{auth.AudienceAPI},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)), ID: "forged-jti"}}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = e.keys.ActiveKID()
	tok.Header["typ"] = auth.TypeStaff
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge %s: %v", method.Alg(), err)
	}
	return s
}

func TestTokenAttacks(t *testing.T) {
	e := newEnv(t)
	owner := e.users["owner"]
	m := buildMOU(e, "parallel")
	r := e.must(e.do("POST", "/api/agreements/"+m.id+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	joinTok := r.body["invitations"].([]any)[0].(map[string]any)["token"].(string)

	staffAt := func(at time.Time) string {
		tok, _, err := auth.NewIssuer(e.keys, testIssuer, func() time.Time { return at }).IssueStaff(owner.ID, owner.Roles, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	otherRing, _ := auth.NewKeyRing(testKey(9))
	unknownKid, _, _ := auth.NewIssuer(otherRing, testIssuer, nil).IssueStaff(owner.ID, owner.Roles, time.Hour)
	wrongIss, _, _ := auth.NewIssuer(e.keys, "https://evil.test", nil).IssueStaff(owner.ID, owner.Roles, time.Hour)
	pub := e.keys.JWKS() // the public key material an attacker has
	hsWithPub := forge(t, e, jwt.SigningMethodHS256, pub)
	none := forge(t, e, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType)

	// Tampered payload: the owner's real token with roles widened to admin.
	parts := strings.Split(e.tokens["owner"], ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), `"organizer"`, `"admin"`, 1))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]

	// Revoked: log out, then reuse.
	revoked, _, _ := e.issuer.IssueStaff(owner.ID, owner.Roles, time.Hour)
	e.must(e.do("POST", "/api/logout", revoked, nil), http.StatusNoContent)

	staffRoute := "/api/agreements/" + m.id
	tests := []struct {
		name, path, token, reason string
	}{
		{"alg none", staffRoute, none, "algorithm"},
		{"HS256 with the public key", staffRoute, hsWithPub, "algorithm"},
		{"expired", staffRoute, staffAt(time.Now().Add(-3 * time.Hour)), "expired"},
		{"not yet valid", staffRoute, staffAt(time.Now().Add(time.Hour)), "not valid yet"},
		{"join token on staff API", staffRoute, joinTok, "meant for"},
		{"staff token on join route", "/api/join", e.tokens["owner"], "meant for"},
		{"wrong issuer", staffRoute, wrongIss, "issued by"},
		{"unknown kid", staffRoute, unknownKid, "key"},
		{"tampered payload", staffRoute, tampered, "signature"},
		{"revoked jti", staffRoute, revoked, "revoked"},
		{"garbage", staffRoute, "not.a.token", "well-formed"},
		{"empty bearer", staffRoute, " ", "bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("GET", tt.path, tt.token, nil)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", r.status, r.raw)
			}
			msg := r.errMessage()
			if msg == "" || !strings.Contains(strings.ToLower(msg), strings.ToLower(tt.reason)) {
				t.Fatalf("reason = %q, want one mentioning %q", msg, tt.reason)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Fatalf("401 without WWW-Authenticate")
			}
		})
	}
	// The real tokens still work, so the refusals above are about the attacks.
	e.must(e.do("GET", staffRoute, e.tokens["owner"], nil), http.StatusOK)
	e.must(e.do("GET", "/api/join", joinTok, nil), http.StatusOK)
}

func TestDisabledAccountTokenRefused(t *testing.T) {
	e := newEnv(t)
	e.must(e.do("GET", "/api/me", e.tokens["owner"], nil), http.StatusOK)
	e.must(e.do("PATCH", "/api/users/"+e.users["owner"].ID, e.tokens["admin"], map[string]any{"disabled": true}), http.StatusOK)
	if r := e.must(e.do("GET", "/api/me", e.tokens["owner"], nil), http.StatusUnauthorized); !strings.Contains(r.errMessage(), "disabled") {
		t.Fatalf("message = %q, want it to say disabled", r.errMessage())
	}
}
