package auth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Key ring errors.
var (
	// ErrNoKeys is returned when a key ring would hold no key.
	ErrNoKeys = errors.New("key ring holds no keys")
	// ErrUnknownKey is returned by Retire for a kid the ring does not hold.
	ErrUnknownKey = errors.New("unknown key id")
	// ErrActiveKey is returned by Retire for the active key: rotate first.
	ErrActiveKey = errors.New("cannot retire the active key")
	// ErrBadKey is returned for a key that is not a usable Ed25519 private key.
	ErrBadKey = errors.New("not a usable Ed25519 private key")
)

// KeyRing holds the service's Ed25519 signing keys: one active key that signs
// new tokens and every key that still verifies. It is safe for concurrent use.
type KeyRing struct {
	mu     sync.RWMutex
	active string
	keys   map[string]ed25519.PrivateKey
}

// NewKeyRing returns an in-memory key ring holding keys; the first key is
// active. Use it for keys provided through the environment or in tests.
// Rotate and Retire on such a ring take an empty dir.
func NewKeyRing(keys ...ed25519.PrivateKey) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	k := &KeyRing{keys: make(map[string]ed25519.PrivateKey, len(keys))}
	for i, key := range keys {
		if len(key) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("key %d: %w", i, ErrBadKey)
		}
		kid := Thumbprint(key.Public().(ed25519.PublicKey))
		k.keys[kid] = key
		if i == 0 {
			k.active = kid
		}
	}
	return k, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint (SHA-256, unpadded
// base64url) of pub as an OKP JWK; it is the kid of pub's tokens.
func Thumbprint(pub ed25519.PublicKey) string {
	// RFC 7638: required members in lexicographic order, no whitespace.
	canon := `{"crv":"Ed25519","kty":"OKP","x":"` + b64(pub) + `"}`
	sum := sha256.Sum256([]byte(canon))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// ActiveKID returns the kid of the key that signs new tokens.
func (k *KeyRing) ActiveKID() string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active
}

// KIDs returns the kids of every key that verifies, active key first.
func (k *KeyRing) KIDs() []string {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.kidsLocked()
}

func (k *KeyRing) kidsLocked() []string {
	kids := make([]string, 0, len(k.keys))
	for kid := range k.keys {
		if kid != k.active {
			kids = append(kids, kid)
		}
	}
	slices.Sort(kids)
	return append([]string{k.active}, kids...)
}

// signingKey returns the active kid and key.
func (k *KeyRing) signingKey() (string, ed25519.PrivateKey) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.active, k.keys[k.active]
}

// publicKey returns the public key for kid, or false if the ring lacks it.
func (k *KeyRing) publicKey(kid string) (ed25519.PublicKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	key, ok := k.keys[kid]
	if !ok {
		return nil, false
	}
	return key.Public().(ed25519.PublicKey), true
}

// Rotate makes a new key active; older keys keep verifying until retired.
// With a non-empty dir the new key is written to dir/keys first, so a
// failure leaves the ring unchanged.
func (k *KeyRing) Rotate(dir string) (kid string, err error) {
	key, err := generateKey()
	if err != nil {
		return "", err
	}
	kid = Thumbprint(key.Public().(ed25519.PublicKey))
	k.mu.Lock()
	defer k.mu.Unlock()
	if dir != "" {
		if err := writeKey(dir, kid, key); err != nil {
			return "", err
		}
		if err := writeActive(dir, kid); err != nil {
			return "", err
		}
	}
	k.keys[kid] = key
	k.active = kid
	return kid, nil
}

// Retire removes a key that is no longer active: tokens it signed stop
// verifying. With a non-empty dir its file is deleted from dir/keys.
func (k *KeyRing) Retire(dir, kid string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[kid]; !ok {
		return fmt.Errorf("retire key %q: %w", kid, ErrUnknownKey)
	}
	if kid == k.active {
		return fmt.Errorf("retire key %q: %w", kid, ErrActiveKey)
	}
	if dir != "" {
		if err := removeKey(dir, kid); err != nil {
			return err
		}
	}
	delete(k.keys, kid)
	return nil
}

// jwk is one public key of a JWK Set (RFC 7517, RFC 8037).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS returns the public keys of every verifying key as a JWK Set, active
// key first: {"keys":[{"kty":"OKP","crv":"Ed25519","x":...,"kid":...,
// "use":"sig","alg":"EdDSA"}]}. Serve it at /.well-known/jwks.json.
func (k *KeyRing) JWKS() []byte {
	k.mu.RLock()
	defer k.mu.RUnlock()
	set := struct {
		Keys []jwk `json:"keys"`
	}{}
	for _, kid := range k.kidsLocked() {
		pub := k.keys[kid].Public().(ed25519.PublicKey)
		set.Keys = append(set.Keys, jwk{Kty: "OKP", Crv: "Ed25519", X: b64(pub), Kid: kid, Use: "sig", Alg: "EdDSA"})
	}
	out, _ := json.Marshal(set) // only strings: marshalling cannot fail
	return out
}
