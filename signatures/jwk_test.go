package signatures

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestThumbprintRFC7638 runs the RSA example of RFC 7638 section 3.1
// through the same canonicalisation code the EC thumbprint uses.
func TestThumbprintRFC7638(t *testing.T) {
	n := "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	got := thumbprint(map[string]string{"e": "AQAB", "kty": "RSA", "n": n})
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
}

func TestThumbprintECMembers(t *testing.T) {
	k := JWK{Kty: "EC", Crv: "P-256", X: "xx", Y: "yy"}
	want := thumbprint(map[string]string{"crv": "P-256", "kty": "EC", "x": "xx", "y": "yy"})
	if got := k.Thumbprint(); got != want {
		t.Errorf("Thumbprint = %s, want %s", got, want)
	}
	other := JWK{Kty: "EC", Crv: "P-256", X: "xx", Y: "yz"}
	if other.Thumbprint() == want {
		t.Error("different y gives same thumbprint")
	}
}

func TestParseJWK(t *testing.T) {
	_, jwk := newKey(t)
	good, _ := json.Marshal(jwk)
	withMembers := func(extra map[string]any) []byte {
		m := map[string]any{"kty": "EC", "crv": "P-256", "x": jwk.X, "y": jwk.Y}
		for k, v := range extra {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"plain", good, nil},
		{"webcrypto export", withMembers(map[string]any{"ext": true, "key_ops": []string{"verify"}}), nil},
		{"private d", withMembers(map[string]any{"d": "AAAA"}), ErrKey},
		{"rsa", []byte(`{"kty":"RSA","n":"AQAB","e":"AQAB"}`), ErrKey},
		{"P-384", withMembers(map[string]any{"crv": "P-384"}), ErrKey},
		{"off curve", withMembers(map[string]any{"y": jwk.X}), ErrKey},
		{"short x", withMembers(map[string]any{"x": "AAAA"}), ErrKey},
		{"padded x", withMembers(map[string]any{"x": jwk.X + "="}), ErrKey},
		{"std base64", withMembers(map[string]any{"x": strings.NewReplacer("-", "+", "_", "/").Replace(jwk.X) + "+"}), ErrKey},
		{"not object", []byte(`[1,2]`), ErrMalformed},
		{"null", []byte(`null`), ErrMalformed},
		{"too large", []byte(strings.Repeat(" ", MaxJWKSize+1)), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJWK(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseJWK err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got != jwk {
				t.Errorf("ParseJWK = %+v, want %+v", got, jwk)
			}
		})
	}
}

func TestJWKPublicKeyRoundTrip(t *testing.T) {
	priv, jwk := newKey(t)
	if !jwk.PublicKey().Equal(&priv.PublicKey) {
		t.Error("PublicKey() differs from the generated key")
	}
	if (JWK{Kty: "EC", Crv: "P-256", X: jwk.X, Y: jwk.X}).PublicKey() != nil {
		t.Error("PublicKey() of an off-curve point is not nil")
	}
}
