package signatures

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the largest compact JWS Verify accepts, in bytes.
const MaxTokenSize = 64 << 10

// Algorithm is the only JWS algorithm Signroom signatures use.
const Algorithm = "ES256"

// allowedHeader lists the protected header members a signature may carry.
var allowedHeader = map[string]bool{"alg": true, "kid": true, "typ": true}

// Sign returns the compact JWS of st signed with priv (ES256, kid = the
// RFC 7638 thumbprint of priv's public key). The signature is the 64-byte
// r||s form, byte-compatible with WebCrypto's ECDSA P-256 SHA-256 output.
func Sign(st Statement, priv *ecdsa.PrivateKey) (string, error) {
	if err := st.Validate(); err != nil {
		return "", err
	}
	return signClaims(st, priv)
}

func signClaims(claims jwt.Claims, priv *ecdsa.PrivateKey) (string, error) {
	if priv == nil {
		return "", fmt.Errorf("sign: %w: nil key", ErrKey)
	}
	jwk, err := JWKFromPublicKey(&priv.PublicKey)
	if err != nil {
		return "", err
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = jwk.Thumbprint()
	s, err := tok.SignedString(priv)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return s, nil
}

// Verify checks a compact JWS against key and returns its statement.
// It pins ES256, requires kid to equal key.Thumbprint(), verifies the
// signature with golang-jwt, decodes the claims strictly and validates
// them (aud, iss/sub, required members). Errors wrap ErrTooLarge,
// ErrMalformed, ErrKey, ErrAlgorithm, ErrKeyID, ErrSignature or ErrClaims.
func Verify(compact string, key JWK) (Statement, error) {
	if len(compact) > MaxTokenSize {
		return Statement{}, fmt.Errorf("verify: %w: %d bytes", ErrTooLarge, len(compact))
	}
	pub := key.PublicKey()
	if pub == nil {
		return Statement{}, fmt.Errorf("verify: %w: not a P-256 public key", ErrKey)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return Statement{}, fmt.Errorf("verify: %w: want 3 dot-separated parts", ErrMalformed)
	}
	if err := checkHeader(parts[0], key.Thumbprint()); err != nil {
		return Statement{}, fmt.Errorf("verify: %w", err)
	}
	var raw rawClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{Algorithm}), jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	_, err := parser.ParseWithClaims(compact, &raw, func(*jwt.Token) (any, error) { return pub, nil })
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) {
		return Statement{}, fmt.Errorf("verify: %w", ErrSignature)
	}
	if err != nil {
		return Statement{}, fmt.Errorf("verify: %w: %v", ErrMalformed, err)
	}
	return decodeStatement(raw.b)
}

func decodeStatement(b []byte) (Statement, error) {
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		return Statement{}, fmt.Errorf("verify: %w: %v", ErrClaims, err)
	}
	v := jwt.NewValidator(jwt.WithAudience(Audience), jwt.WithIssuer(st.ParticipantID), jwt.WithSubject(st.ParticipantID))
	if err := v.Validate(st); err != nil {
		return Statement{}, fmt.Errorf("verify: %w: %v", ErrClaims, err)
	}
	if err := st.Validate(); err != nil {
		return Statement{}, fmt.Errorf("verify: %w", err)
	}
	return st, nil
}

// checkHeader decodes the protected header and refuses anything but
// {"alg":"ES256","kid":kid} with an optional "typ":"JWT".
func checkHeader(seg, kid string) error {
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil {
		return fmt.Errorf("%w: header not base64url", ErrMalformed)
	}
	if _, err := Canonicalize(b); err != nil {
		return fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil || h == nil {
		return fmt.Errorf("%w: header not a JSON object", ErrMalformed)
	}
	for name := range h {
		if !allowedHeader[name] {
			return fmt.Errorf("%w: header member %q not allowed", ErrAlgorithm, name)
		}
	}
	if alg, _ := h["alg"].(string); alg != Algorithm {
		return fmt.Errorf("%w: alg %v, want %s", ErrAlgorithm, h["alg"], Algorithm)
	}
	if typ, ok := h["typ"]; ok && typ != "JWT" {
		return fmt.Errorf("%w: typ %v, want JWT", ErrAlgorithm, typ)
	}
	if got, _ := h["kid"].(string); got != kid {
		return fmt.Errorf("%w: kid %q, want %q", ErrKeyID, got, kid)
	}
	return nil
}

// rawClaims captures the claims bytes so they can be decoded strictly after
// golang-jwt has checked the signature.
type rawClaims struct{ b []byte }

func (r *rawClaims) UnmarshalJSON(b []byte) error {
	r.b = bytes.Clone(b)
	return nil
}

func (r *rawClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (r *rawClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (r *rawClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (r *rawClaims) GetIssuer() (string, error)                   { return "", nil }
func (r *rawClaims) GetSubject() (string, error)                  { return "", nil }
func (r *rawClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
