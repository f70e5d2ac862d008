package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the largest token, in bytes, a Verifier looks at.
const MaxTokenSize = 8 << 10

// Leeway is the clock skew allowed on exp, nbf and iat.
const Leeway = 30 * time.Second

// Revocations tells whether a token id has been revoked. The metadata
// store implements it; an error means the answer is unknown.
type Revocations interface {
	IsRevoked(ctx context.Context, jti string) (bool, error)
}

// Verifier checks tokens signed by a KeyRing. It is safe for concurrent use.
type Verifier struct {
	keys    *KeyRing
	issuer  string
	rev     Revocations
	parsers map[string]*jwt.Parser // by audience
}

// NewVerifier returns a Verifier accepting tokens signed by a key in keys
// and issued by issuer. rev is asked about every token's jti; nil means no
// token is ever revoked. now is the clock (nil means time.Now).
func NewVerifier(keys *KeyRing, issuer string, rev Revocations, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{keys: keys, issuer: issuer, rev: rev, parsers: map[string]*jwt.Parser{}}
	for _, aud := range []string{AudienceAPI, AudienceJoin} {
		v.parsers[aud] = jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
			jwt.WithStrictDecoding(),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(aud),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(Leeway),
			jwt.WithTimeFunc(now),
		)
	}
	return v
}

// VerifyStaff verifies a staff access token and returns its claims.
// Errors wrapping ErrTokenInvalid refuse the token; others come from the
// revocation store.
func (v *Verifier) VerifyStaff(ctx context.Context, token string) (StaffClaims, error) {
	var c StaffClaims
	if err := v.verify(token, TypeStaff, AudienceAPI, &c, &c.RegisteredClaims); err != nil {
		return StaffClaims{}, err
	}
	if c.Roles == nil {
		return StaffClaims{}, tokenErr(ErrTokenClaimMissing, "roles")
	}
	if err := v.checkRevoked(ctx, c.ID); err != nil {
		return StaffClaims{}, err
	}
	return c, nil
}

// VerifyJoin verifies an invitation token and returns its claims, with
// Participant set from "sub". Errors are as for VerifyStaff, except that a
// revoked token (ErrTokenRevoked), whose signature and claims did verify,
// comes with its claims, so the caller can tell the holder why it was revoked.
func (v *Verifier) VerifyJoin(ctx context.Context, token string) (JoinClaims, error) {
	var c JoinClaims
	if err := v.verify(token, TypeJoin, AudienceJoin, &c, &c.RegisteredClaims); err != nil {
		return JoinClaims{}, err
	}
	if c.Agreement == "" || c.Role == "" {
		return JoinClaims{}, tokenErr(ErrTokenClaimMissing, "agr or role")
	}
	c.Participant = c.Subject
	if err := v.checkRevoked(ctx, c.ID); err != nil {
		if errors.Is(err, ErrTokenRevoked) {
			return c, err
		}
		return JoinClaims{}, err
	}
	return c, nil
}

// header is the part of a JOSE header a Verifier looks at before parsing.
type header struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
}

// verify checks token's shape, header, signature, typ and registered
// claims, decoding the payload into claims (whose registered part is reg).
func (v *Verifier) verify(token, typ, aud string, claims jwt.Claims, reg *jwt.RegisteredClaims) error {
	h, err := precheck(token)
	if err != nil {
		return err
	}
	pub, ok := v.keys.publicKey(h.Kid)
	if !ok {
		return tokenErr(ErrTokenUnknownKey, "")
	}
	_, err = v.parsers[aud].ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return pub, nil })
	if kind := cryptoFailure(err); kind != nil {
		return tokenErr(kind, "")
	}
	if h.Typ != typ { // signed by us, but the other kind of token
		return tokenErr(ErrTokenAudience, "wrong token type")
	}
	if err != nil {
		return tokenErr(claimsFailure(err), "")
	}
	if err := numericDates(token); err != nil {
		return err
	}
	return checkRegistered(reg, v.issuer)
}

// numericDates refuses exp, nbf and iat that are not JSON numbers: RFC 7519 makes them
// NumericDate, and the JSON decoder would also take a quoted "1893456000".
func numericDates(token string) error {
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tokenErr(ErrTokenMalformed, "payload")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return tokenErr(ErrTokenMalformed, "payload")
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if v, ok := raw[name]; ok && (len(v) == 0 || !strings.ContainsRune("-0123456789", rune(v[0]))) {
			return tokenErr(ErrTokenMalformed, name+" is not a number")
		}
	}
	return nil
}

// checkRegistered repeats the checks the parser skips or leaves optional:
// iat, sub and jti are required, the issuer must match even when the
// Verifier was given an empty one, and the audience is a single value.
func checkRegistered(reg *jwt.RegisteredClaims, issuer string) error {
	switch {
	case reg.IssuedAt == nil || reg.Subject == "" || reg.ID == "" || reg.Issuer == "":
		return tokenErr(ErrTokenClaimMissing, "iss, iat, sub or jti")
	case reg.Issuer != issuer:
		return tokenErr(ErrTokenIssuer, "")
	case len(reg.Audience) != 1:
		return tokenErr(ErrTokenAudience, "more than one audience")
	}
	return nil
}

// precheck refuses oversize tokens, stray characters and headers whose alg,
// kid or crit is unacceptable, before any signature work.
func precheck(token string) (header, error) {
	if len(token) > MaxTokenSize {
		return header{}, tokenErr(ErrTokenTooLarge, fmt.Sprintf("%d bytes, limit %d", len(token), MaxTokenSize))
	}
	if strings.Count(token, ".") != 2 || strings.IndexFunc(token, notB64URL) >= 0 {
		return header{}, tokenErr(ErrTokenMalformed, "not three base64url segments")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return header{}, tokenErr(ErrTokenMalformed, "header encoding")
	}
	var h header
	if err := json.Unmarshal(raw, &h); err != nil {
		return header{}, tokenErr(ErrTokenMalformed, "header JSON")
	}
	switch {
	case h.Alg != jwt.SigningMethodEdDSA.Alg():
		return header{}, tokenErr(ErrTokenAlgorithm, "")
	case h.Crit != nil:
		return header{}, tokenErr(ErrTokenMalformed, "unsupported crit header")
	case h.Kid == "":
		return header{}, tokenErr(ErrTokenUnknownKey, "no kid")
	}
	return h, nil
}

func notB64URL(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
}

// cryptoFailure maps parser errors that arise before claims validation.
func cryptoFailure(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrTokenMalformed):
		return ErrTokenMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return ErrTokenSignature
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return ErrTokenMalformed
	}
	return nil
}

// claimsFailure maps a claims validation error to one sentinel, the most
// fundamental first: missing, issuer, audience, then time.
func claimsFailure(err error) error {
	switch {
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing), errors.Is(err, jwt.ErrInvalidType):
		return ErrTokenClaimMissing
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return ErrTokenIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return ErrTokenAudience
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return ErrTokenNotYetValid
	case errors.Is(err, jwt.ErrTokenExpired):
		return ErrTokenExpired
	}
	return ErrTokenMalformed
}

// checkRevoked asks the revocation store about jti.
func (v *Verifier) checkRevoked(ctx context.Context, jti string) error {
	if v.rev == nil {
		return nil
	}
	revoked, err := v.rev.IsRevoked(ctx, jti)
	if err != nil {
		return fmt.Errorf("check token revocation: %w", err)
	}
	if revoked {
		return tokenErr(ErrTokenRevoked, "")
	}
	return nil
}
