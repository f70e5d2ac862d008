// Package auth issues and verifies Signroom's tokens, keeps the service's
// signing keys, hashes staff passwords and rate-limits logins.
//
// # Tokens
//
// Every token is a compact JWS (RFC 7515) signed with Ed25519 ("alg":"EdDSA",
// RFC 8037). The header always carries "kid", the RFC 7638 thumbprint of the
// signing key's OKP JWK, and a "typ" that names the token kind:
//
//   - staff access tokens: typ "staff+jwt", aud "signroom-api", claims iss,
//     sub (the account), roles, iat, nbf, exp, jti.
//   - invitation (join) tokens: typ "join+jwt", aud "signroom-join", claims
//     iss, sub (the participant), agr (the agreement), role, grants
//     {"publish","subscribe","sign","host"}, iat, nbf, exp, jti.
//
// A [Verifier] pins the algorithm to EdDSA, the issuer, the audience and the
// typ of the kind it is asked for, so a staff token never passes
// [Verifier.VerifyJoin] and an invitation never passes [Verifier.VerifyStaff].
// It requires exp, iat, sub and jti, checks nbf, allows [Leeway] of clock
// skew, finds the key by kid only, refuses tokens over [MaxTokenSize] bytes
// and asks a [Revocations] store about the jti.
//
// Every verification failure wraps [ErrTokenInvalid] and exactly one of the
// more specific ErrToken* sentinels; [Reason] turns it into a short sentence
// fit for a 401 body. Errors never contain token text.
//
// # Keys
//
// A [KeyRing] holds Ed25519 private keys: one active key signs, all keys
// verify, so keys can rotate ([KeyRing.Rotate]) and be retired later
// ([KeyRing.Retire]). [LoadOrCreateKeyRing] keeps them as PKCS#8 PEM files
// (mode 0600) in DIR/keys, one file per key named KID.pem, plus a file
// named "active" holding the active kid. [KeyRing.JWKS] renders the public
// keys as a JWK Set for /.well-known/jwks.json.
//
// # Passwords
//
// [HashPassword] produces argon2id hashes in the PHC string format
// ($argon2id$v=19$m=65536,t=1,p=2$SALT$HASH, unpadded standard base64);
// [CheckPassword] compares in constant time.
//
// # Login limits
//
// A [LoginLimiter] counts failed logins in a sliding window per account and
// per client address, in bounded memory. [LoginLimiter.Allow] reserves the
// attempt it allows, so a burst of parallel logins cannot exceed the limit;
// [LoginLimiter.Failure] or [LoginLimiter.Success] settles it.
package auth

// Staff roles carried in staff access tokens.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleLegal     = "legal"
	RoleArchivist = "archivist"
)

// Audiences of the two token kinds.
const (
	AudienceAPI  = "signroom-api"
	AudienceJoin = "signroom-join"
)

// Header "typ" values of the two token kinds.
const (
	TypeStaff = "staff+jwt"
	TypeJoin  = "join+jwt"
)

// ValidRole reports whether role is one of the staff roles.
func ValidRole(role string) bool {
	switch role {
	case RoleAdmin, RoleOrganizer, RoleLegal, RoleArchivist:
		return true
	}
	return false
}
