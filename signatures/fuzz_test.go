package signatures

import (
	"encoding/json"
	"testing"
)

func FuzzVerify(f *testing.F) {
	priv, jwk := newKey(f)
	tok, err := Sign(sampleStatement(), priv)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("e30.e30.")
	f.Add(b64(`{"alg":"ES256","kid":"`+jwk.Thumbprint()+`"}`) + ".e30.AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		st, err := Verify(s, jwk)
		if err == nil {
			if verr := st.Validate(); verr != nil {
				t.Fatalf("Verify accepted a statement that fails Validate: %v", verr)
			}
		}
	})
}

func FuzzParseJWK(f *testing.F) {
	_, jwk := newKey(f)
	b, _ := json.Marshal(jwk)
	f.Add(b)
	f.Add([]byte(`{"kty":"EC","crv":"P-256","x":"","y":""}`))
	f.Add([]byte(`{"kty":"EC","crv":"P-256","d":"AA"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := ParseJWK(in)
		if err != nil {
			return
		}
		if k.PublicKey() == nil {
			t.Fatalf("ParseJWK accepted %q but PublicKey is nil", in)
		}
		back, err := JWKFromPublicKey(k.PublicKey())
		if err != nil || back != k {
			t.Fatalf("round trip %+v -> %+v (%v)", k, back, err)
		}
	})
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte(`{"b":[1,{"a":"x"}],"a":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := Canonicalize(in)
		if err != nil {
			return
		}
		again, err := Canonicalize(c)
		if err != nil || string(again) != string(c) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, c, again, err)
		}
	})
}
