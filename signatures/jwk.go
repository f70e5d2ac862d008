package signatures

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
)

// MaxJWKSize is the largest JWK document ParseJWK accepts, in bytes.
const MaxJWKSize = 4 << 10

// JWK is an EC P-256 public key in JSON Web Key form (RFC 7517, RFC 7518
// section 6.2). X and Y are the unpadded base64url encodings of the 32-byte
// big-endian affine coordinates.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// privateMembers are JWK members that carry private key material for any key
// type; their presence means a private key was sent where a public one belongs.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseJWK parses a JSON Web Key and accepts only an EC P-256 public key
// whose point lies on the curve. Other public members (kid, use, alg,
// key_ops, ext, ...) are ignored; private members are refused. Errors wrap
// ErrMalformed, ErrTooLarge or ErrKey.
func ParseJWK(b []byte) (JWK, error) {
	if len(b) > MaxJWKSize {
		return JWK{}, fmt.Errorf("jwk: %w: %d bytes", ErrTooLarge, len(b))
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil || members == nil {
		return JWK{}, fmt.Errorf("jwk: %w: not a JSON object", ErrMalformed)
	}
	for _, name := range privateMembers {
		if _, ok := members[name]; ok {
			return JWK{}, fmt.Errorf("jwk: %w: private member %q present", ErrKey, name)
		}
	}
	var k JWK
	if err := json.Unmarshal(b, &k); err != nil {
		return JWK{}, fmt.Errorf("jwk: %w: %v", ErrMalformed, err)
	}
	if err := k.Validate(); err != nil {
		return JWK{}, err
	}
	return k, nil
}

// Validate reports whether k is an EC P-256 public key on the curve, with
// canonical unpadded base64url coordinates of 32 bytes each.
func (k JWK) Validate() error {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return fmt.Errorf("jwk: %w: kty %q crv %q, want EC P-256", ErrKey, k.Kty, k.Crv)
	}
	_, err := k.point()
	return err
}

func (k JWK) point() (*ecdsa.PublicKey, error) {
	x, errX := decodeCoord(k.X)
	y, errY := decodeCoord(k.Y)
	if errX != nil || errY != nil {
		return nil, fmt.Errorf("jwk: %w: coordinates must be 32-byte base64url", ErrKey)
	}
	raw := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("jwk: %w: point not on P-256", ErrKey)
	}
	return pub, nil
}

func decodeCoord(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, ErrKey
	}
	return b, nil
}

// PublicKey returns the key as an *ecdsa.PublicKey, or nil if k is not a
// valid P-256 public key (see Validate).
func (k JWK) PublicKey() *ecdsa.PublicKey {
	if k.Kty != "EC" || k.Crv != "P-256" {
		return nil
	}
	pub, err := k.point()
	if err != nil {
		return nil
	}
	return pub
}

// JWKFromPublicKey returns the JWK form of a P-256 public key.
func JWKFromPublicKey(pub *ecdsa.PublicKey) (JWK, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return JWK{}, fmt.Errorf("jwk: %w: not a P-256 key", ErrKey)
	}
	raw, err := pub.Bytes()
	if err != nil {
		return JWK{}, fmt.Errorf("jwk: %w: %v", ErrKey, err)
	}
	enc := base64.RawURLEncoding
	return JWK{Kty: "EC", Crv: "P-256", X: enc.EncodeToString(raw[1:33]), Y: enc.EncodeToString(raw[33:])}, nil
}

// Thumbprint returns the RFC 7638 JWK thumbprint: the unpadded base64url
// SHA-256 of {"crv":..,"kty":"EC","x":..,"y":..} with no whitespace.
func (k JWK) Thumbprint() string {
	return thumbprint(map[string]string{"crv": k.Crv, "kty": k.Kty, "x": k.X, "y": k.Y})
}

// thumbprint hashes the RFC 7638 canonical form of the required members:
// lexicographically sorted names, no whitespace, JSON string values.
func thumbprint(required map[string]string) string {
	names := make([]string, 0, len(required))
	for n := range required {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJCSString(&buf, n)
		buf.WriteByte(':')
		writeJCSString(&buf, required[n])
	}
	buf.WriteByte('}')
	sum := sha256.Sum256(buf.Bytes())
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
