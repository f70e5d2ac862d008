package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// RFC 8037 appendix A test vectors.
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	rfc8037JWS        = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

func rfc8037Key(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	d, err := base64.RawURLEncoding.DecodeString(rfc8037D)
	if err != nil {
		t.Fatal(err)
	}
	return ed25519.NewKeyFromSeed(d)
}

func TestThumbprintRFC8037(t *testing.T) {
	key := rfc8037Key(t)
	pub := key.Public().(ed25519.PublicKey)
	if got := b64(pub); got != rfc8037X {
		t.Fatalf("x = %s, want %s", got, rfc8037X)
	}
	if got := Thumbprint(pub); got != rfc8037Thumbprint {
		t.Errorf("Thumbprint = %s, want %s", got, rfc8037Thumbprint)
	}
	ring, err := NewKeyRing(key)
	if err != nil {
		t.Fatal(err)
	}
	if got := ring.ActiveKID(); got != rfc8037Thumbprint {
		t.Errorf("ActiveKID = %s, want %s", got, rfc8037Thumbprint)
	}
}

// TestEdDSAMatchesRFC8037 checks the signing method the Issuer uses
// against the RFC's example JWS (Ed25519 signatures are deterministic).
func TestEdDSAMatchesRFC8037(t *testing.T) {
	key := rfc8037Key(t)
	signing := rfc8037JWS[:len("eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc")]
	sig, err := jwt.SigningMethodEdDSA.Sign(signing, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := signing + "." + b64(sig); got != rfc8037JWS {
		t.Errorf("JWS = %s, want %s", got, rfc8037JWS)
	}
}

func TestNewKeyRingRefusesBadKeys(t *testing.T) {
	if _, err := NewKeyRing(); !errors.Is(err, ErrNoKeys) {
		t.Errorf("NewKeyRing() error = %v, want ErrNoKeys", err)
	}
	if _, err := NewKeyRing(ed25519.PrivateKey(make([]byte, 10))); !errors.Is(err, ErrBadKey) {
		t.Errorf("NewKeyRing(short key) error = %v, want ErrBadKey", err)
	}
}

type jwkSet struct {
	Keys []map[string]string `json:"keys"`
}

func parseJWKS(t *testing.T, ring *KeyRing) jwkSet {
	t.Helper()
	var set jwkSet
	if err := json.Unmarshal(ring.JWKS(), &set); err != nil {
		t.Fatalf("JWKS is not JSON: %v", err)
	}
	return set
}

func TestJWKS(t *testing.T) {
	ring, err := NewKeyRing(testKey(1), testKey(2))
	if err != nil {
		t.Fatal(err)
	}
	set := parseJWKS(t, ring)
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(set.Keys))
	}
	for i, k := range set.Keys {
		want := map[string]string{"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA"}
		for name, v := range want {
			if k[name] != v {
				t.Errorf("key %d %s = %q, want %q", i, name, k[name], v)
			}
		}
		x, err := base64.RawURLEncoding.DecodeString(k["x"])
		if err != nil || len(x) != ed25519.PublicKeySize {
			t.Fatalf("key %d x = %q: not a 32-byte base64url key", i, k["x"])
		}
		if got := Thumbprint(x); got != k["kid"] {
			t.Errorf("key %d kid = %s, want thumbprint %s", i, k["kid"], got)
		}
		if _, hasD := k["d"]; hasD {
			t.Errorf("key %d publishes its private part", i)
		}
	}
	if set.Keys[0]["kid"] != ring.ActiveKID() {
		t.Errorf("first JWKS key = %s, want active %s", set.Keys[0]["kid"], ring.ActiveKID())
	}
}

func TestRotateAndRetire(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ring, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: t0}
	iss := NewIssuer(ring, testIssuer, clock.Now)
	ver := NewVerifier(ring, testIssuer, nil, clock.Now)
	oldKID := ring.ActiveKID()
	oldTok, _, err := iss.IssueStaff("alice", []string{RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	newKID, err := ring.Rotate(dir)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if newKID == oldKID || ring.ActiveKID() != newKID {
		t.Fatalf("after Rotate active = %s, old %s, returned %s", ring.ActiveKID(), oldKID, newKID)
	}
	if _, err := ver.VerifyStaff(ctx, oldTok); err != nil {
		t.Errorf("old token after Rotate: %v", err)
	}
	newTok, _, err := iss.IssueStaff("bob", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if kid := tokenKID(t, newTok); kid != newKID {
		t.Errorf("new token kid = %s, want %s", kid, newKID)
	}
	if got := jwksKIDs(t, ring); !slices.Equal(got, []string{newKID, oldKID}) {
		t.Errorf("JWKS kids = %v, want [%s %s]", got, newKID, oldKID)
	}

	if err := ring.Retire(dir, newKID); !errors.Is(err, ErrActiveKey) {
		t.Errorf("Retire(active) error = %v, want ErrActiveKey", err)
	}
	if err := ring.Retire(dir, "no-such-kid"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Retire(unknown) error = %v, want ErrUnknownKey", err)
	}
	if err := ring.Retire(dir, oldKID); err != nil {
		t.Fatalf("Retire: %v", err)
	}
	if _, err := ver.VerifyStaff(ctx, oldTok); !errors.Is(err, ErrTokenUnknownKey) {
		t.Errorf("old token after Retire: error = %v, want ErrTokenUnknownKey", err)
	}
	if _, err := ver.VerifyStaff(ctx, newTok); err != nil {
		t.Errorf("new token after Retire: %v", err)
	}
	if got := jwksKIDs(t, ring); !slices.Equal(got, []string{newKID}) {
		t.Errorf("JWKS kids after Retire = %v, want [%s]", got, newKID)
	}

	again, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := again.KIDs(); !slices.Equal(got, []string{newKID}) {
		t.Errorf("reloaded kids = %v, want [%s]", got, newKID)
	}
}

func tokenKID(t *testing.T, tok string) string {
	t.Helper()
	h, err := precheck(tok)
	if err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

func jwksKIDs(t *testing.T, ring *KeyRing) []string {
	var kids []string
	for _, k := range parseJWKS(t, ring).Keys {
		kids = append(kids, k["kid"])
	}
	return kids
}

func TestLoadOrCreatePersists(t *testing.T) {
	dir := t.TempDir()
	first, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	kid := first.ActiveKID()
	info, err := os.Stat(filepath.Join(dir, "keys", kid+".pem"))
	if err != nil {
		t.Fatalf("key file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode = %o, want 600", perm)
	}
	if info, err := os.Stat(filepath.Join(dir, "keys")); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("keys directory: %v, mode %o, want 700", err, info.Mode().Perm())
	}
	second, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if second.ActiveKID() != kid {
		t.Errorf("second load active = %s, want %s", second.ActiveKID(), kid)
	}
	rotated, err := second.Rotate(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Reload(dir); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := first.KIDs(); !slices.Equal(got, []string{rotated, kid}) {
		t.Errorf("after Reload kids = %v, want [%s %s]", got, rotated, kid)
	}
}

func TestLoadOrCreateRefusesBrokenStore(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir, kid string)
		want   error
	}{
		{"garbage key file", func(t *testing.T, dir, kid string) {
			writeTestFile(t, filepath.Join(dir, "keys", kid+".pem"), "not a key")
		}, ErrBadKey},
		{"key under another name", func(t *testing.T, dir, kid string) {
			if err := os.Rename(filepath.Join(dir, "keys", kid+".pem"), filepath.Join(dir, "keys", "x.pem")); err != nil {
				t.Fatal(err)
			}
			writeTestFile(t, filepath.Join(dir, "keys", "active"), "x\n")
		}, ErrKeyStore},
		{"active names a missing key", func(t *testing.T, dir, kid string) {
			writeTestFile(t, filepath.Join(dir, "keys", "active"), "gone\n")
		}, ErrKeyStore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ring, err := LoadOrCreateKeyRing(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir, ring.ActiveKID())
			if _, err := LoadOrCreateKeyRing(dir); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestLoadRecoversMissingActiveMarker(t *testing.T) {
	dir := t.TempDir()
	ring, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "keys", "active")); err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	if again.ActiveKID() != ring.ActiveKID() {
		t.Errorf("reloaded active = %s, want %s", again.ActiveKID(), ring.ActiveKID())
	}
}

func TestPEMRoundTrip(t *testing.T) {
	key := testKey(3)
	data, err := MarshalPrivateKeyPEM(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePrivateKeyPEM(data)
	if err != nil || !got.Equal(key) {
		t.Errorf("ParsePrivateKeyPEM = %v; want the original key", err)
	}
}

func writeTestFile(t *testing.T, name, data string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
