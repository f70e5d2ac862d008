// Package signatures implements Signroom's signer-side evidence primitives:
// EC P-256 public keys as JWKs with RFC 7638 thumbprints, the signing
// statement carried as the claims of a compact JWS (ES256), and the per
// agreement audit hash chain.
//
// The package depends only on the standard library and
// github.com/golang-jwt/jwt/v5 so that third parties can import it to verify
// Signroom evidence without the rest of Signroom.
//
// # Formats
//
// A signature is a compact JWS (RFC 7515) with the protected header
// {"alg":"ES256","kid":<RFC 7638 thumbprint of the signer's JWK>,"typ":"JWT"}.
// The signature is the 64-byte raw r||s form that WebCrypto's ECDSA P-256
// SHA-256 produces. The payload is a JSON object described by [Statement];
// any JWT library holding the signer's JWK can verify it (audience
// "signroom-sign", issuer = participant id).
//
// Each audit [Event] carries the hex SHA-256 of the previous event; the hash
// is taken over the RFC 8785 (JCS) canonical JSON of the event without its
// "hash" member, see [Event.ComputeHash]. docs/evidence-format.md has the
// full specification with worked examples.
package signatures
