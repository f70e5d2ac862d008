package auth

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrBadClaims is returned by the Issue methods for claims they refuse to sign.
var ErrBadClaims = errors.New("refusing to sign claims")

// StaffClaims are the claims of a staff access token. The account is
// RegisteredClaims.Subject.
type StaffClaims struct {
	Roles []string `json:"roles"`
	jwt.RegisteredClaims
}

// HasRole reports whether the token grants role.
func (c StaffClaims) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// Grants are what an invitation lets its participant do in a ceremony.
type Grants struct {
	Publish   bool `json:"publish"`
	Subscribe bool `json:"subscribe"`
	Sign      bool `json:"sign"`
	Host      bool `json:"host"`
}

// JoinClaims are the claims of an invitation token. Participant travels as
// the "sub" claim: IssueJoin copies it into Subject and VerifyJoin copies
// it back, so callers only use Participant.
type JoinClaims struct {
	Participant string `json:"-"`
	Agreement   string `json:"agr"`
	Role        string `json:"role"`
	Grants      Grants `json:"grants"`
	jwt.RegisteredClaims
}

// Issuer signs tokens with the active key of a KeyRing.
type Issuer struct {
	keys   *KeyRing
	issuer string
	now    func() time.Time
}

// NewIssuer returns an Issuer that signs with keys and names issuer in the
// "iss" claim; now is the clock (nil means time.Now).
func NewIssuer(keys *KeyRing, issuer string, now func() time.Time) *Issuer {
	if now == nil {
		now = time.Now
	}
	return &Issuer{keys: keys, issuer: issuer, now: now}
}

// IssueStaff signs a staff access token for account sub with roles, valid
// for ttl from now.
func (i *Issuer) IssueStaff(sub string, roles []string, ttl time.Duration) (string, StaffClaims, error) {
	if sub == "" || ttl <= 0 {
		return "", StaffClaims{}, fmt.Errorf("staff token needs a subject and a positive ttl: %w", ErrBadClaims)
	}
	for _, r := range roles {
		if !ValidRole(r) {
			return "", StaffClaims{}, fmt.Errorf("unknown role %q: %w", r, ErrBadClaims)
		}
	}
	reg, err := i.registered(sub, AudienceAPI, i.now().Add(ttl))
	if err != nil {
		return "", StaffClaims{}, err
	}
	c := StaffClaims{Roles: slices.Clone(roles), RegisteredClaims: reg}
	if c.Roles == nil {
		c.Roles = []string{}
	}
	tok, err := i.sign(TypeStaff, c)
	return tok, c, err
}

// IssueJoin signs an invitation token for c.Participant in c.Agreement that
// expires at expiresAt. The registered claims of c are set by IssueJoin.
func (i *Issuer) IssueJoin(c JoinClaims, expiresAt time.Time) (string, JoinClaims, error) {
	if c.Participant == "" || c.Agreement == "" || c.Role == "" {
		return "", JoinClaims{}, fmt.Errorf("invitation needs participant, agreement and role: %w", ErrBadClaims)
	}
	if !expiresAt.After(i.now()) {
		return "", JoinClaims{}, fmt.Errorf("invitation expiry is not in the future: %w", ErrBadClaims)
	}
	reg, err := i.registered(c.Participant, AudienceJoin, expiresAt)
	if err != nil {
		return "", JoinClaims{}, err
	}
	c.RegisteredClaims = reg
	tok, err := i.sign(TypeJoin, c)
	return tok, c, err
}

// registered fills the registered claims common to both kinds.
func (i *Issuer) registered(sub, aud string, exp time.Time) (jwt.RegisteredClaims, error) {
	jti, err := NewJTI()
	if err != nil {
		return jwt.RegisteredClaims{}, err
	}
	now := jwt.NewNumericDate(i.now())
	return jwt.RegisteredClaims{
		Issuer:    i.issuer,
		Subject:   sub,
		Audience:  jwt.ClaimStrings{aud},
		ExpiresAt: jwt.NewNumericDate(exp),
		NotBefore: now,
		IssuedAt:  now,
		ID:        jti,
	}, nil
}

// sign signs claims with the active key, setting kid and typ.
func (i *Issuer) sign(typ string, claims jwt.Claims) (string, error) {
	kid, key := i.keys.signingKey()
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = kid
	t.Header["typ"] = typ
	s, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("sign %s: %w", typ, err)
	}
	return s, nil
}

// NewJTI returns a random 128-bit token id, unpadded base64url.
func NewJTI() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token id: %w", err)
	}
	return b64(b[:]), nil
}
