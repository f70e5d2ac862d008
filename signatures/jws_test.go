package signatures

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	priv, jwk := newKey(t)
	st := sampleStatement()
	tok, err := Sign(st, priv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify(tok, jwk)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(st)
	if string(gb) != string(wb) {
		t.Errorf("statement = %s, want %s", gb, wb)
	}
	sig, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[2])
	if len(sig) != 64 {
		t.Errorf("signature is %d bytes, want 64 (r||s)", len(sig))
	}
}

// TestVerifyWithGenericJWT checks that golang-jwt alone, given only the
// JWK, verifies a signature: the property third parties rely on.
func TestVerifyWithGenericJWT(t *testing.T) {
	priv, jwk := newKey(t)
	tok, err := Sign(sampleStatement(), priv)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return jwk.PublicKey(), nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience(Audience), jwt.WithIssuer("p-1"))
	if err != nil {
		t.Fatalf("generic verify: %v", err)
	}
	if claims["agreement_id"] != "ag-1" {
		t.Errorf("agreement_id = %v, want ag-1", claims["agreement_id"])
	}
}

// TestVerifyWebCryptoStyle signs with a hand-built JWS exactly as a browser
// does (crypto.subtle.sign gives r||s) and verifies it.
func TestVerifyWebCryptoStyle(t *testing.T) {
	priv, jwk := newKey(t)
	header := `{"alg":"ES256","kid":"` + jwk.Thumbprint() + `"}`
	payload, _ := json.Marshal(sampleStatement())
	input := b64(header) + "." + b64(string(payload))
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	if _, err := Verify(input+"."+base64.RawURLEncoding.EncodeToString(sig), jwk); err != nil {
		t.Errorf("Verify(webcrypto-style) = %v", err)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func forge(t *testing.T, priv *ecdsa.PrivateKey, header, payload string) string {
	t.Helper()
	input := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestVerifyRejects(t *testing.T) {
	priv, jwk := newKey(t)
	other, otherJWK := newKey(t)
	good, _ := json.Marshal(sampleStatement())
	kid := jwk.Thumbprint()
	hdr := `{"alg":"ES256","kid":"` + kid + `"}`
	valid, _ := Sign(sampleStatement(), priv)
	parts := strings.Split(valid, ".")
	mutate := func(f func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	tests := []struct {
		name    string
		tok     string
		wantErr error
	}{
		{"alg none", b64(`{"alg":"none","kid":"`+kid+`"}`) + "." + b64(string(good)) + ".", ErrAlgorithm},
		{"alg HS256", b64(`{"alg":"HS256","kid":"`+kid+`"}`) + "." + parts[1] + "." + parts[2], ErrAlgorithm},
		{"crit header", forge(t, priv, `{"alg":"ES256","crit":["x"],"kid":"`+kid+`","x":1}`, string(good)), ErrAlgorithm},
		{"jwk header", forge(t, priv, `{"alg":"ES256","jwk":{},"kid":"`+kid+`"}`, string(good)), ErrAlgorithm},
		{"wrong kid", forge(t, priv, `{"alg":"ES256","kid":"`+otherJWK.Thumbprint()+`"}`, string(good)), ErrKeyID},
		{"other key same kid", forge(t, other, hdr, string(good)), ErrSignature},
		{"tampered payload", parts[0] + "." + b64(strings.Replace(string(good), "ag-1", "ag-2", 1)) + "." + parts[2], ErrSignature},
		{"DER-length signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 70)), ErrSignature},
		{"unknown claim", forge(t, priv, hdr, mutate(func(m map[string]any) { m["extra"] = 1 })), ErrClaims},
		{"duplicate claim", forge(t, priv, hdr, strings.Replace(string(good), `{"iss":"p-1"`, `{"iss":"p-1","iss":"p-9"`, 1)), ErrClaims},
		{"wrong aud", forge(t, priv, hdr, mutate(func(m map[string]any) { m["aud"] = "signroom-api" })), ErrClaims},
		{"aud array", forge(t, priv, hdr, mutate(func(m map[string]any) { m["aud"] = []string{Audience} })), ErrClaims},
		{"iss not participant", forge(t, priv, hdr, mutate(func(m map[string]any) { m["iss"] = "p-2" })), ErrClaims},
		{"float iat", forge(t, priv, hdr, mutate(func(m map[string]any) { m["iat"] = 1.5 })), ErrClaims},
		{"no documents", forge(t, priv, hdr, mutate(func(m map[string]any) { delete(m, "documents") })), ErrClaims},
		{"bad chain head", forge(t, priv, hdr, mutate(func(m map[string]any) { m["chain_head"] = "AB" })), ErrClaims},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"too large", strings.Repeat("a", MaxTokenSize+1), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.tok, jwk)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSignRefusesInvalidStatement(t *testing.T) {
	priv, _ := newKey(t)
	st := sampleStatement()
	st.Documents[0].SHA256 = "XYZ"
	if _, err := Sign(st, priv); !errors.Is(err, ErrClaims) {
		t.Errorf("Sign err = %v, want ErrClaims", err)
	}
}

func TestStatementValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Statement)
	}{
		{"no agreement", func(s *Statement) { s.AgreementID = "" }},
		{"no nonce", func(s *Statement) { s.Nonce = "" }},
		{"no signer", func(s *Statement) { s.SignerName = "" }},
		{"sub differs", func(s *Statement) { s.Subject = "x" }},
		{"no iat", func(s *Statement) { s.IssuedAt = 0 }},
		{"duplicate doc", func(s *Statement) { s.Documents[1].ID = s.Documents[0].ID }},
		{"zero pages", func(s *Statement) { s.Documents[0].Pages = 0 }},
		{"upper hex", func(s *Statement) { s.Documents[0].SHA256 = strings.Repeat("AB", 32) }},
		{"empty text", func(s *Statement) { s.Text["ko"] = "" }},
		{"bad still", func(s *Statement) { s.StillSHA256 = "00" }},
		{"no party names", func(s *Statement) { s.PartyNames = nil }},
		{"empty party name", func(s *Statement) { s.PartyNames["zh"] = "" }},
	}
	if err := sampleStatement().Validate(); err != nil {
		t.Fatalf("sample Validate = %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := sampleStatement()
			tt.edit(&st)
			if err := st.Validate(); !errors.Is(err, ErrClaims) {
				t.Errorf("Validate = %v, want ErrClaims", err)
			}
		})
	}
}

func TestPartyNamesFor(t *testing.T) {
	names := map[string]string{"ko": "난징시", "zh": "南京市", "en": "Nanjing", "ja": ""}
	tests := []struct {
		langs []string
		want  map[string]string
	}{
		{[]string{"ko", "zh"}, map[string]string{"ko": "난징시", "zh": "南京市"}},
		{[]string{"zh", "ja"}, map[string]string{"zh": "南京市"}},
		{[]string{"fr"}, map[string]string{"ko": "난징시", "zh": "南京市", "en": "Nanjing"}},
	}
	for _, tt := range tests {
		if got := PartyNamesFor(names, tt.langs); !maps.Equal(got, tt.want) {
			t.Errorf("PartyNamesFor(%v) = %v, want %v", tt.langs, got, tt.want)
		}
	}
}
