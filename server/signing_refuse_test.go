package server

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signroom/signroom/signatures"
)

// TestSigningRefusals walks one sequential ceremony through every refusal the signing API
// makes, checking after each that nothing recorded was lost or added and that the audit
// chain still verifies; then the ceremony completes and seals.
func TestSigningRefusals(t *testing.T) {
	clock := &testClock{}
	e := newEnv(t, withClock(clock))
	f := buildCeremony(e, 3, "sequential")
	f.clock = clock
	s1, s2, s3 := f.signers[0], f.signers[1], f.signers[2]
	e.must(f.register(e, s1), http.StatusCreated)
	e.must(f.register(e, s2), http.StatusCreated)
	var replay map[string]any
	steps := []struct {
		name   string
		do     func() response
		status int
		code   string
	}{
		{"second key registration", func() response { return f.register(e, newSigner(t, s1.pid, s1.token)) }, http.StatusConflict, "key_bound"},
		{"private key as jwk", func() response {
			return e.do("POST", "/api/join/key", s3.token, map[string]any{"jwk": map[string]any{"kty": "EC", "crv": "P-256",
				"x": s3.jwk(t).X, "y": s3.jwk(t).Y, "d": "AAAA"}})
		}, http.StatusUnprocessableEntity, "invalid_key"},
		{"sign before open-signing", func() response { return f.sign(e, s1, nil) }, http.StatusConflict, "wrong_state"},
		{"open signing", func() response {
			return e.do("POST", "/api/agreements/"+f.id+"/open-signing", f.owner, nil)
		}, http.StatusOK, ""},
		{"key not registered", func() response { return f.sign(e, s3, nil) }, http.StatusConflict, "no_key"},
		{"register third key", func() response { return f.register(e, s3) }, http.StatusCreated, ""},
		{"alg HS256", func() response { return f.sign(e, s1, withJWS(t, jwt.SigningMethodHS256, []byte("secret"), s1)) }, http.StatusUnprocessableEntity, "invalid_signature"},
		{"alg none", func() response {
			return f.sign(e, s1, withJWS(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, s1))
		}, http.StatusUnprocessableEntity, "invalid_signature"},
		{"signature by a different key", func() response {
			other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			return f.signWith(e, s1, other, f.nonce(e, s1), nil)
		}, http.StatusUnprocessableEntity, "invalid_signature"},
		{"wrong document hash", func() response {
			return f.sign(e, s1, func(st *signatures.Statement, _ map[string]any) { st.Documents[0].SHA256 = sha256Hex([]byte("other")) })
		}, http.StatusUnprocessableEntity, "statement_mismatch"},
		{"missing document", func() response {
			return f.sign(e, s1, func(st *signatures.Statement, _ map[string]any) { st.Documents = st.Documents[:1] })
		}, http.StatusUnprocessableEntity, "statement_mismatch"},
		{"changed statement text", func() response {
			return f.sign(e, s1, func(st *signatures.Statement, _ map[string]any) { st.Text["ko"] += " " })
		}, http.StatusUnprocessableEntity, "statement_mismatch"},
		{"still not the signed one", func() response {
			return f.sign(e, s1, func(_ *signatures.Statement, b map[string]any) { b["still"] = testPNG(t) })
		}, http.StatusUnprocessableEntity, "still_mismatch"},
		{"oversized still", func() response {
			big := append([]byte{0xff, 0xd8, 0xff}, bytes.Repeat([]byte{0}, MaxStillBytes)...)
			return f.sign(e, s1, func(st *signatures.Statement, b map[string]any) { b["still"], st.StillSHA256 = big, sha256Hex(big) })
		}, http.StatusRequestEntityTooLarge, "too_large"},
		{"expired nonce", func() response {
			st := f.nonce(e, s1)
			clock.advance(NonceTTL + time.Second)
			return f.signWith(e, s1, s1.key, st, nil)
		}, http.StatusConflict, "nonce_expired"},
		{"iat far in the past", func() response {
			return f.sign(e, s1, func(st *signatures.Statement, _ map[string]any) { st.IssuedAt -= 3600 })
		}, http.StatusUnprocessableEntity, "bad_iat"},
		{"stale chain head", func() response {
			return f.sign(e, s1, func(st *signatures.Statement, _ map[string]any) { st.ChainHead = signatures.GenesisPrev })
		}, http.StatusUnprocessableEntity, "chain_head_mismatch"},
		{"not connected", func() response {
			e.hub.connect(f.id, s1.pid, false)
			defer e.hub.connect(f.id, s1.pid, true)
			return f.sign(e, s1, nil)
		}, http.StatusConflict, "not_connected"},
		{"sign out of order", func() response { return f.sign(e, s2, nil) }, http.StatusConflict, "out_of_order"},
		{"first signature", func() response {
			return f.sign(e, s1, func(_ *signatures.Statement, b map[string]any) { replay = b })
		}, http.StatusCreated, ""},
		{"replayed nonce", func() response { return e.do("POST", "/api/join/signature", s1.token, replay) }, http.StatusConflict, "nonce_used"},
		{"sign twice", func() response { return f.sign(e, s1, nil) }, http.StatusConflict, "already_signed"},
		{"organizer resets a key", func() response {
			return e.do("POST", "/api/agreements/"+f.id+"/participants/"+s3.pid+"/key/reset", f.owner, nil)
		}, http.StatusOK, ""},
		{"sign with the reset key", func() response { return f.sign(e, s3, nil) }, http.StatusConflict, "no_key"},
		{"second signature", func() response { return f.sign(e, s2, nil) }, http.StatusCreated, ""},
		{"register a new key", func() response { s3.key = newSigner(t, s3.pid, s3.token).key; return f.register(e, s3) }, http.StatusCreated, ""},
		{"last signature", func() response { return f.sign(e, s3, nil) }, http.StatusCreated, ""},
		{"close seals", func() response { return f.closeCeremony(e) }, http.StatusOK, ""},
		{"sign after sealing", func() response { return f.sign0(e, f.witness) }, http.StatusConflict, ""},
		{"reset after sealing", func() response {
			return e.do("POST", "/api/agreements/"+f.id+"/participants/"+s3.pid+"/key/reset", f.owner, nil)
		}, http.StatusConflict, ""},
	}
	wantSigs := 0
	for _, st := range steps {
		sigs0, evs0 := recorded(e, f.id)
		r := st.do()
		if r.status != st.status || (st.code != "" && r.errCode() != st.code) {
			t.Fatalf("%s: got %d %q, want %d %q; body %s", st.name, r.status, r.errCode(), st.status, st.code, r.raw)
		}
		if r.status == http.StatusCreated && r.body["thumbprint"] != nil && r.body["audit_event"] != nil {
			wantSigs++
		}
		sigs, evs := recorded(e, f.id)
		if len(sigs) != wantSigs || len(sigs) < len(sigs0) || len(evs) < len(evs0) {
			t.Fatalf("%s: %d signatures (%d before), %d events (%d before); want %d signatures", st.name, len(sigs), len(sigs0), len(evs), len(evs0), wantSigs)
		}
		if r.status >= 400 && len(evs) != len(evs0) {
			t.Fatalf("%s: a refusal added %d audit events", st.name, len(evs)-len(evs0))
		}
	}
	_, evs := recorded(e, f.id)
	for typ, want := range map[string]int{"signer_key.registered": 4, "signer_key.reset": 1, "signature.added": 3, "ceremony.closed": 1, "agreement.sealed": 1} {
		if got := countEvents(evs, typ); got != want {
			t.Errorf("%d %s events, want %d", got, typ, want)
		}
	}
}

// withJWS replaces the JWS with one signed by method and key instead of ES256.
func withJWS(t *testing.T, method jwt.SigningMethod, key any, s *signer) func(*signatures.Statement, map[string]any) {
	return func(st *signatures.Statement, b map[string]any) {
		tok := jwt.NewWithClaims(method, *st)
		tok.Header["kid"] = s.jwk(t).Thumbprint()
		jws, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		b["jws"] = jws
	}
}
