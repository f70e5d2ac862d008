package auth

import (
	"errors"
	"fmt"
)

// ErrTokenInvalid is wrapped by every error that means "this token is not
// acceptable": answer 401. Each such error also wraps exactly one of the
// more specific sentinels below. Any other error from a Verify method is a
// failure of the revocation store, not of the token.
var ErrTokenInvalid = errors.New("invalid token")

// Specific reasons a token is refused.
var (
	ErrTokenMalformed    = errors.New("token is malformed")
	ErrTokenTooLarge     = errors.New("token is too large")
	ErrTokenAlgorithm    = errors.New("token algorithm is not EdDSA")
	ErrTokenSignature    = errors.New("token signature does not verify")
	ErrTokenExpired      = errors.New("token has expired")
	ErrTokenNotYetValid  = errors.New("token is not valid yet")
	ErrTokenAudience     = errors.New("token is for another audience")
	ErrTokenIssuer       = errors.New("token has another issuer")
	ErrTokenUnknownKey   = errors.New("token key is unknown")
	ErrTokenClaimMissing = errors.New("token lacks a required claim")
	ErrTokenRevoked      = errors.New("token is revoked")
)

// reasons pairs each sentinel with the sentence Reason gives for it.
var reasons = []struct {
	err    error
	reason string
}{
	{ErrTokenMalformed, "the token is not a well-formed signed token"},
	{ErrTokenTooLarge, "the token is too large"},
	{ErrTokenAlgorithm, "the token is not signed with the required algorithm"},
	{ErrTokenSignature, "the token's signature does not verify"},
	{ErrTokenExpired, "the token has expired"},
	{ErrTokenNotYetValid, "the token is not valid yet"},
	{ErrTokenAudience, "the token is not meant for this part of the service"},
	{ErrTokenIssuer, "the token was issued by someone else"},
	{ErrTokenUnknownKey, "the token was signed with an unknown or retired key"},
	{ErrTokenClaimMissing, "the token lacks a required claim"},
	{ErrTokenRevoked, "the token has been revoked"},
}

// Reason returns a short plain-English sentence saying why err refused a
// token, fit for a 401 response body. It returns "" for nil and
// "the token is not valid" for errors it does not know.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "the token is not valid"
}

// tokenErr builds a verification error wrapping ErrTokenInvalid and kind.
// detail must be fixed text: never a piece of the token.
func tokenErr(kind error, detail string) error {
	if detail == "" {
		return fmt.Errorf("%w: %w", ErrTokenInvalid, kind)
	}
	return fmt.Errorf("%w: %w: %s", ErrTokenInvalid, kind, detail)
}
