package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// tokenEnv is an issuer and verifier sharing a key ring and a fake clock.
type tokenEnv struct {
	ring  *KeyRing
	clock *fakeClock
	rev   *revoked
	iss   *Issuer
	ver   *Verifier
	kid   string
}

func newTokenEnv(t testing.TB) *tokenEnv {
	ring := testRing(t)
	e := &tokenEnv{ring: ring, clock: &fakeClock{now: t0}, rev: &revoked{}, kid: ring.ActiveKID()}
	e.iss = NewIssuer(ring, testIssuer, e.clock.Now)
	e.ver = NewVerifier(ring, testIssuer, e.rev, e.clock.Now)
	return e
}

func TestIssueAndVerifyRoundTrip(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	staff, issued, err := e.iss.IssueStaff("alice", []string{RoleOrganizer, RoleLegal}, 2*time.Hour)
	if err != nil {
		t.Fatalf("IssueStaff: %v", err)
	}
	got, err := e.ver.VerifyStaff(ctx, staff)
	if err != nil {
		t.Fatalf("VerifyStaff: %v", err)
	}
	if got.Subject != "alice" || !slices.Equal(got.Roles, issued.Roles) || got.ID != issued.ID || !got.HasRole(RoleLegal) || got.HasRole(RoleAdmin) {
		t.Errorf("VerifyStaff claims = %+v, want %+v", got, issued)
	}
	if want := t0.Add(2 * time.Hour); !got.ExpiresAt.Time.Equal(want) {
		t.Errorf("exp = %v, want %v", got.ExpiresAt.Time, want)
	}
	in := JoinClaims{Participant: "p-7", Agreement: "a-1", Role: "host", Grants: Grants{Publish: true, Host: true}}
	join, _, err := e.iss.IssueJoin(in, t0.Add(48*time.Hour))
	if err != nil {
		t.Fatalf("IssueJoin: %v", err)
	}
	jc, err := e.ver.VerifyJoin(ctx, join)
	if err != nil {
		t.Fatalf("VerifyJoin: %v", err)
	}
	if jc.Participant != "p-7" || jc.Subject != "p-7" || jc.Agreement != "a-1" || jc.Role != "host" || jc.Grants != in.Grants {
		t.Errorf("VerifyJoin claims = %+v, want %+v", jc, in)
	}
	if len(jc.ID) != 22 { // 128 bits, unpadded base64url
		t.Errorf("jti %q has length %d, want 22", jc.ID, len(jc.ID))
	}
}

func TestIssueRefusesBadClaims(t *testing.T) {
	e := newTokenEnv(t)
	tests := []struct {
		name  string
		issue func() error
	}{
		{"staff without subject", func() error { _, _, err := e.iss.IssueStaff("", nil, time.Hour); return err }},
		{"staff with zero ttl", func() error { _, _, err := e.iss.IssueStaff("a", nil, 0); return err }},
		{"staff with unknown role", func() error { _, _, err := e.iss.IssueStaff("a", []string{"root"}, time.Hour); return err }},
		{"join without agreement", func() error {
			_, _, err := e.iss.IssueJoin(JoinClaims{Participant: "p", Role: "r"}, t0.Add(time.Hour))
			return err
		}},
		{"join expiring in the past", func() error {
			_, _, err := e.iss.IssueJoin(JoinClaims{Participant: "p", Agreement: "a", Role: "r"}, t0)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.issue(); !errors.Is(err, ErrBadClaims) {
				t.Errorf("error = %v, want ErrBadClaims", err)
			}
		})
	}
}

// tokenAttack is one token a verifier must refuse.
type tokenAttack struct {
	name  string
	token func(t *testing.T, e *tokenEnv) string
	join  bool // present to VerifyJoin instead of VerifyStaff
	want  error
}

func staffAttacks() []tokenAttack {
	valid := func(t *testing.T, e *tokenEnv) string {
		return forge(t, hdr(e.kid, TypeStaff), staffClaimsMap(), jwt.SigningMethodEdDSA, testKey(1))
	}
	signed := func(claims map[string]any) func(*testing.T, *tokenEnv) string {
		return func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(e.kid, TypeStaff), claims, jwt.SigningMethodEdDSA, testKey(1))
		}
	}
	withAlg := func(alg string, m jwt.SigningMethod, key func(*tokenEnv) any) func(*testing.T, *tokenEnv) string {
		return func(t *testing.T, e *tokenEnv) string {
			var k any
			if key != nil {
				k = key(e)
			}
			return forge(t, with(hdr(e.kid, TypeStaff), "alg", alg), staffClaimsMap(), m, k)
		}
	}
	pub := func(e *tokenEnv) any { p, _ := e.ring.publicKey(e.kid); return []byte(p) }
	c := staffClaimsMap()
	return []tokenAttack{
		{"alg none", withAlg("none", nil, nil), false, ErrTokenAlgorithm},
		{"alg none signed with unsafe none key", withAlg("none", jwt.SigningMethodNone, func(*tokenEnv) any { return jwt.UnsafeAllowNoneSignatureType }), false, ErrTokenAlgorithm},
		{"alg NONE upper case", withAlg("NONE", nil, nil), false, ErrTokenAlgorithm},
		{"HS256 keyed with public key bytes", withAlg("HS256", jwt.SigningMethodHS256, pub), false, ErrTokenAlgorithm},
		{"HS256 keyed with JWK x", withAlg("HS256", jwt.SigningMethodHS256, func(e *tokenEnv) any { p, _ := e.ring.publicKey(e.kid); return []byte(b64(p)) }), false, ErrTokenAlgorithm},
		{"RS256", withAlg("RS256", jwt.SigningMethodRS256, func(*tokenEnv) any { return rsaKey }), false, ErrTokenAlgorithm},
		{"ES256", withAlg("ES256", jwt.SigningMethodES256, func(*tokenEnv) any { return ecKey }), false, ErrTokenAlgorithm},
		{"EdDSA by a stranger's key under our kid", func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(e.kid, TypeStaff), staffClaimsMap(), jwt.SigningMethodEdDSA, testKey(9))
		}, false, ErrTokenSignature},
		{"tampered payload", func(t *testing.T, e *tokenEnv) string {
			parts := strings.Split(valid(t, e), ".")
			evil := strings.Split(forge(t, hdr(e.kid, TypeStaff), with(c, "roles", []string{RoleAdmin}), nil, nil), ".")
			return parts[0] + "." + evil[1] + "." + parts[2]
		}, false, ErrTokenSignature},
		{"tampered header kid kept", func(t *testing.T, e *tokenEnv) string {
			parts := strings.Split(valid(t, e), ".")
			h := strings.Split(forge(t, with(hdr(e.kid, TypeStaff), "x", "y"), c, nil, nil), ".")
			return h[0] + "." + parts[1] + "." + parts[2]
		}, false, ErrTokenSignature},
		{"signature stripped", func(t *testing.T, e *tokenEnv) string {
			parts := strings.Split(valid(t, e), ".")
			return parts[0] + "." + parts[1] + "."
		}, false, ErrTokenSignature},
		{"signature with non-canonical base64 tail", func(t *testing.T, e *tokenEnv) string {
			tok := valid(t, e)
			last := tok[len(tok)-1]
			i := strings.IndexByte(b64Alphabet, last)
			return tok[:len(tok)-1] + string(b64Alphabet[i|1]) // set a spare bit
		}, false, ErrTokenMalformed},
		{"expired", signed(with(with(c, "exp", t0.Add(-time.Minute).Unix()), "iat", t0.Add(-time.Hour).Unix())), false, ErrTokenExpired},
		{"not yet valid", signed(with(c, "nbf", t0.Add(5*time.Minute).Unix())), false, ErrTokenNotYetValid},
		{"issued in the future", signed(with(c, "iat", t0.Add(5*time.Minute).Unix())), false, ErrTokenNotYetValid},
		{"audience join under staff typ", signed(with(c, "aud", []string{AudienceJoin})), false, ErrTokenAudience},
		{"audience foreign", signed(with(c, "aud", "other-api")), false, ErrTokenAudience},
		{"audience both kinds", signed(with(c, "aud", []string{AudienceAPI, AudienceJoin})), false, ErrTokenAudience},
		{"join token on VerifyStaff", func(t *testing.T, e *tokenEnv) string {
			tok, _, err := e.iss.IssueJoin(JoinClaims{Participant: "p", Agreement: "a", Role: "signatory"}, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, false, ErrTokenAudience},
		{"staff token on VerifyJoin", func(t *testing.T, e *tokenEnv) string {
			tok, _, err := e.iss.IssueStaff("alice", []string{RoleAdmin}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, true, ErrTokenAudience},
		{"join claims under staff typ on VerifyJoin", func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(e.kid, TypeStaff), joinClaimsMap(), jwt.SigningMethodEdDSA, testKey(1))
		}, true, ErrTokenAudience},
		{"wrong issuer", signed(with(c, "iss", "https://evil.test")), false, ErrTokenIssuer},
		{"missing issuer", signed(with(c, "iss", nil)), false, ErrTokenClaimMissing},
		{"missing audience", signed(with(c, "aud", nil)), false, ErrTokenClaimMissing},
		{"missing exp", signed(with(c, "exp", nil)), false, ErrTokenClaimMissing},
		{"missing iat", signed(with(c, "iat", nil)), false, ErrTokenClaimMissing},
		{"missing jti", signed(with(c, "jti", nil)), false, ErrTokenClaimMissing},
		{"missing sub", signed(with(c, "sub", nil)), false, ErrTokenClaimMissing},
		{"missing roles", signed(with(c, "roles", nil)), false, ErrTokenClaimMissing},
		{"join without agreement", func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(e.kid, TypeJoin), with(joinClaimsMap(), "agr", nil), jwt.SigningMethodEdDSA, testKey(1))
		}, true, ErrTokenClaimMissing},
		{"exp as a string", signed(with(c, "exp", "tomorrow")), false, ErrTokenMalformed},
		{"unknown kid", func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(Thumbprint(testKey(9).Public().(ed25519.PublicKey)), TypeStaff), c, jwt.SigningMethodEdDSA, testKey(9))
		}, false, ErrTokenUnknownKey},
		{"missing kid", func(t *testing.T, e *tokenEnv) string {
			return forge(t, with(hdr(e.kid, TypeStaff), "kid", nil), c, jwt.SigningMethodEdDSA, testKey(1))
		}, false, ErrTokenUnknownKey},
		{"kid of wrong type", func(t *testing.T, e *tokenEnv) string {
			return forge(t, with(hdr(e.kid, TypeStaff), "kid", 7), c, jwt.SigningMethodEdDSA, testKey(1))
		}, false, ErrTokenMalformed},
		{"crit header", func(t *testing.T, e *tokenEnv) string {
			return forge(t, with(hdr(e.kid, TypeStaff), "crit", []string{"b64"}), c, jwt.SigningMethodEdDSA, testKey(1))
		}, false, ErrTokenMalformed},
		{"revoked jti", func(t *testing.T, e *tokenEnv) string {
			e.rev.Revoke("jti-staff-1")
			return valid(t, e)
		}, false, ErrTokenRevoked},
		{"oversize", func(t *testing.T, e *tokenEnv) string {
			return forge(t, hdr(e.kid, TypeStaff), with(c, "pad", strings.Repeat("A", MaxTokenSize)), jwt.SigningMethodEdDSA, testKey(1))
		}, false, ErrTokenTooLarge},
		{"empty", func(*testing.T, *tokenEnv) string { return "" }, false, ErrTokenMalformed},
		{"two segments", func(t *testing.T, e *tokenEnv) string {
			return strings.Join(strings.Split(valid(t, e), ".")[:2], ".")
		}, false, ErrTokenMalformed},
		{"four segments", func(t *testing.T, e *tokenEnv) string { return valid(t, e) + ".AAAA" }, false, ErrTokenMalformed},
		{"newline inside", func(t *testing.T, e *tokenEnv) string {
			tok := valid(t, e)
			return tok[:10] + "\n" + tok[10:]
		}, false, ErrTokenMalformed},
		{"bearer prefix left on", func(t *testing.T, e *tokenEnv) string { return "Bearer " + valid(t, e) }, false, ErrTokenMalformed},
		{"padded base64", func(t *testing.T, e *tokenEnv) string { return valid(t, e) + "==" }, false, ErrTokenMalformed},
		{"header not JSON", func(t *testing.T, e *tokenEnv) string {
			parts := strings.Split(valid(t, e), ".")
			return b64([]byte("alg:EdDSA")) + "." + parts[1] + "." + parts[2]
		}, false, ErrTokenMalformed},
	}
}

func TestVerifyRefusesAttacks(t *testing.T) {
	for _, tt := range staffAttacks() {
		t.Run(tt.name, func(t *testing.T) {
			e := newTokenEnv(t)
			tok := tt.token(t, e)
			var err error
			if tt.join {
				_, err = e.ver.VerifyJoin(context.Background(), tok)
			} else {
				_, err = e.ver.VerifyStaff(context.Background(), tok)
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("error = %v, want %v wrapped with ErrTokenInvalid", err, tt.want)
			}
			if got, want := Reason(err), Reason(tt.want); got != want || got == Reason(errors.New("x")) {
				t.Errorf("Reason = %q, want %q", got, want)
			}
			assertNoTokenText(t, err, tok)
		})
	}
}

// assertNoTokenText fails if err's text holds any token segment.
func assertNoTokenText(t *testing.T, err error, tok string) {
	t.Helper()
	for _, seg := range strings.Split(tok, ".") {
		if len(seg) >= 8 && strings.Contains(err.Error(), seg) {
			t.Errorf("error %q contains token text", err)
		}
	}
}

func TestVerifyLeeway(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		want    error
	}{
		{"just after issue", 0, nil},
		{"20s before nbf", -20 * time.Second, nil},
		{"40s before nbf", -40 * time.Second, ErrTokenNotYetValid},
		{"20s after exp", time.Hour + 20*time.Second, nil},
		{"40s after exp", time.Hour + 40*time.Second, ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTokenEnv(t)
			tok, _, err := e.iss.IssueStaff("alice", []string{RoleAdmin}, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(tt.advance)
			if _, err := e.ver.VerifyStaff(context.Background(), tok); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyRevocationStoreFailure(t *testing.T) {
	e := newTokenEnv(t)
	storeDown := errors.New("database is locked")
	e.rev.err = storeDown
	tok, _, err := e.iss.IssueStaff("alice", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.ver.VerifyStaff(context.Background(), tok)
	if !errors.Is(err, storeDown) || errors.Is(err, ErrTokenInvalid) {
		t.Errorf("error = %v, want the store's error and not ErrTokenInvalid", err)
	}
}

func TestVerifyNilRevocations(t *testing.T) {
	e := newTokenEnv(t)
	v := NewVerifier(e.ring, testIssuer, nil, e.clock.Now)
	tok, _, err := e.iss.IssueJoin(JoinClaims{Participant: "p", Agreement: "a", Role: "venue"}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyJoin(context.Background(), tok); err != nil {
		t.Errorf("VerifyJoin with nil Revocations: %v", err)
	}
}

func TestVerifierWithEmptyIssuerStillChecksIssuer(t *testing.T) {
	e := newTokenEnv(t)
	v := NewVerifier(e.ring, "", nil, e.clock.Now)
	tok, _, err := e.iss.IssueStaff("alice", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyStaff(context.Background(), tok); !errors.Is(err, ErrTokenIssuer) {
		t.Errorf("error = %v, want ErrTokenIssuer", err)
	}
}

func TestReason(t *testing.T) {
	if got := Reason(nil); got != "" {
		t.Errorf("Reason(nil) = %q, want empty", got)
	}
	seen := map[string]bool{}
	for _, r := range reasons {
		got := Reason(tokenErr(r.err, "detail"))
		if got != r.reason || seen[got] {
			t.Errorf("Reason(%v) = %q, want unique %q", r.err, got, r.reason)
		}
		seen[got] = true
	}
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// Foreign keys for the algorithm-confusion cases, made once.
var (
	rsaKey = mustRSA()
	ecKey  = mustEC()
)

func mustRSA() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}
