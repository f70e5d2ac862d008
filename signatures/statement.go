package signatures

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audience is the "aud" claim of every signing statement. It differs from
// the audiences of Signroom's access and invitation tokens so that no token
// of one kind is ever accepted as another.
const Audience = "signroom-sign"

// Document identifies one frozen document version in a signing statement.
type Document struct {
	ID       string `json:"id"`
	Language string `json:"language"` // BCP 47 tag, e.g. "ko", "zh"
	Filename string `json:"filename"`
	SHA256   string `json:"sha256"` // lowercase hex SHA-256 of the exact file bytes
	Pages    int    `json:"pages"`
}

// Statement is the signing statement: the JSON claims of a signer's JWS.
//
// The signing time is IssuedAt ("iat"), a JWT NumericDate in whole seconds
// since the Unix epoch, UTC. Issuer and Subject both equal ParticipantID.
// Decoding is strict: unknown members, duplicate keys and non-integer
// numbers are refused.
type Statement struct {
	Issuer        string            `json:"iss"`
	Subject       string            `json:"sub"`
	Audience      string            `json:"aud"`
	IssuedAt      int64             `json:"iat"`
	AgreementID   string            `json:"agreement_id"`
	ParticipantID string            `json:"participant_id"`
	PartyID       string            `json:"party_id"`
	PartyNames    map[string]string `json:"party_names"` // language -> the party's name; see PartyNamesFor
	SignerName    string            `json:"signer_name"`
	SignerTitle   string            `json:"signer_title"`
	Documents     []Document        `json:"documents"`
	Text          map[string]string `json:"statement"` // language -> statement text
	Nonce         string            `json:"nonce"`
	ChainHead     string            `json:"chain_head"` // hex hash of the audit chain head at signing
	StillSHA256   string            `json:"still_sha256,omitempty"`
	DrawingSHA256 string            `json:"drawing_sha256,omitempty"`
}

// SignedAt returns the signing time (the iat claim) in UTC.
func (s Statement) SignedAt() time.Time { return time.Unix(s.IssuedAt, 0).UTC() }

// UnmarshalJSON decodes a statement strictly: the input must be
// canonicalisable JSON (no duplicate keys, integer numbers only) and may
// contain no members other than those of Statement.
func (s *Statement) UnmarshalJSON(b []byte) error {
	if _, err := Canonicalize(b); err != nil {
		return fmt.Errorf("statement: %w", err)
	}
	type plain Statement
	var p plain
	if err := decodeStrict(b, &p); err != nil {
		return fmt.Errorf("statement: %w", err)
	}
	*s = Statement(p)
	return nil
}

// Validate checks that every required claim is present and well formed.
// It does not check claims against an agreement; the caller does that.
func (s Statement) Validate() error {
	checks := []struct {
		ok   bool
		what string
	}{
		{s.Audience == Audience, "aud must be " + Audience},
		{s.ParticipantID != "", "participant_id required"},
		{s.Issuer == s.ParticipantID && s.Subject == s.ParticipantID, "iss and sub must equal participant_id"},
		{s.IssuedAt > 0, "iat required"},
		{s.AgreementID != "", "agreement_id required"},
		{s.PartyID != "", "party_id required"},
		{len(s.PartyNames) > 0, "party_names required"},
		{s.SignerName != "", "signer_name required"},
		{s.Nonce != "", "nonce required"},
		{IsHexSHA256(s.ChainHead), "chain_head must be 64 lowercase hex digits"},
		{s.StillSHA256 == "" || IsHexSHA256(s.StillSHA256), "still_sha256 must be 64 lowercase hex digits"},
		{s.DrawingSHA256 == "" || IsHexSHA256(s.DrawingSHA256), "drawing_sha256 must be 64 lowercase hex digits"},
		{len(s.Text) > 0, "statement text required"},
		{len(s.Documents) > 0, "documents required"},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%w: %s", ErrClaims, c.what)
		}
	}
	for lang, text := range s.Text {
		if lang == "" || text == "" {
			return fmt.Errorf("%w: empty statement language or text", ErrClaims)
		}
	}
	for lang, name := range s.PartyNames {
		if lang == "" || name == "" {
			return fmt.Errorf("%w: empty party_names language or name", ErrClaims)
		}
	}
	return validateDocuments(s.Documents)
}

func validateDocuments(docs []Document) error {
	seen := map[string]bool{}
	for i, d := range docs {
		switch {
		case d.ID == "" || seen[d.ID]:
			return fmt.Errorf("%w: document %d: missing or duplicate id", ErrClaims, i)
		case d.Language == "":
			return fmt.Errorf("%w: document %s: language required", ErrClaims, d.ID)
		case !IsHexSHA256(d.SHA256):
			return fmt.Errorf("%w: document %s: sha256 must be 64 lowercase hex digits", ErrClaims, d.ID)
		case d.Pages < 1:
			return fmt.Errorf("%w: document %s: pages must be positive", ErrClaims, d.ID)
		}
		seen[d.ID] = true
	}
	return nil
}

// IsHexSHA256 reports whether s is a SHA-256 digest as 64 lowercase hex digits.
func IsHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	b, err := hex.DecodeString(s)
	return err == nil && hex.EncodeToString(b) == s
}

// The methods below make Statement a jwt.Claims so that golang-jwt can
// validate its registered claims.

// GetExpirationTime implements jwt.Claims; statements do not expire.
func (s Statement) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }

// GetNotBefore implements jwt.Claims; statements have no nbf.
func (s Statement) GetNotBefore() (*jwt.NumericDate, error) { return nil, nil }

// GetIssuedAt implements jwt.Claims.
func (s Statement) GetIssuedAt() (*jwt.NumericDate, error) {
	return jwt.NewNumericDate(s.SignedAt()), nil
}

// GetIssuer implements jwt.Claims.
func (s Statement) GetIssuer() (string, error) { return s.Issuer, nil }

// GetSubject implements jwt.Claims.
func (s Statement) GetSubject() (string, error) { return s.Subject, nil }

// GetAudience implements jwt.Claims.
func (s Statement) GetAudience() (jwt.ClaimStrings, error) { return jwt.ClaimStrings{s.Audience}, nil }

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytesReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrClaims, err)
	}
	return nil
}

// PartyNamesFor is what a statement's party_names must be for a party with names (language
// -> name) in an agreement in langs: the party's non-empty name in each of the agreement's
// languages; when it has none of those, every non-empty name it has. The server builds the
// statement with it and a verifier checks the statement against the manifest with it.
func PartyNamesFor(names map[string]string, langs []string) map[string]string {
	out := map[string]string{}
	for _, l := range langs {
		if n := names[l]; n != "" {
			out[l] = n
		}
	}
	if len(out) == 0 {
		for l, n := range names {
			if l != "" && n != "" {
				out[l] = n
			}
		}
	}
	return out
}
