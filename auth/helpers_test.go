package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const testIssuer = "https://signroom.test"

// t0 is the fake "now" of the token tests: the day of the demo ceremony.
var t0 = time.Date(2020, 5, 29, 10, 0, 0, 0, time.UTC)

// testKey returns a deterministic Ed25519 key; different seeds give
// different keys.
func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed + byte(i)
	}
	return ed25519.NewKeyFromSeed(s)
}

func testRing(t testing.TB) *KeyRing {
	t.Helper()
	k, err := NewKeyRing(testKey(1))
	if err != nil {
		t.Fatalf("NewKeyRing: %v", err)
	}
	return k
}

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// revoked is an in-memory Revocations.
type revoked struct {
	mu  sync.Mutex
	ids map[string]bool
	err error
}

func (r *revoked) IsRevoked(_ context.Context, jti string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[jti], r.err
}

func (r *revoked) Revoke(jti string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]bool{}
	}
	r.ids[jti] = true
}

// forge builds a compact JWS from raw header and claims maps, signed by
// method with key (nil method: empty signature).
func forge(t testing.TB, head, claims map[string]any, method jwt.SigningMethod, key any) string {
	t.Helper()
	h, err := json.Marshal(head)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	signing := b64(h) + "." + b64(c)
	if method == nil {
		return signing + "."
	}
	sig, err := method.Sign(signing, key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return signing + "." + b64(sig)
}

// staffClaimsMap returns valid staff claims at t0, as a map to tamper with.
func staffClaimsMap() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "organizer-1", "aud": []string{AudienceAPI},
		"roles": []string{RoleOrganizer}, "iat": t0.Unix(), "nbf": t0.Unix(),
		"exp": t0.Add(time.Hour).Unix(), "jti": "jti-staff-1",
	}
}

// joinClaimsMap returns valid invitation claims at t0.
func joinClaimsMap() map[string]any {
	return map[string]any{
		"iss": testIssuer, "sub": "participant-1", "aud": []string{AudienceJoin},
		"agr": "agreement-1", "role": "signatory",
		"grants": map[string]bool{"publish": true, "subscribe": true, "sign": true},
		"iat":    t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(time.Hour).Unix(), "jti": "jti-join-1",
	}
}

func hdr(kid, typ string) map[string]any {
	return map[string]any{"alg": "EdDSA", "kid": kid, "typ": typ}
}

// with returns a copy of m with key set to v, or deleted when v is nil.
func with(m map[string]any, key string, v any) map[string]any {
	out := make(map[string]any, len(m))
	for k, x := range m {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}
