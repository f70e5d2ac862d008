package signatures

import "errors"

// Sentinel errors. Functions wrap them with %w; test with errors.Is.
var (
	// ErrMalformed reports input that is not a well-formed JWS, JWK or JSON value.
	ErrMalformed = errors.New("malformed input")
	// ErrTooLarge reports input over the size limit (see MaxTokenSize).
	ErrTooLarge = errors.New("input too large")
	// ErrKey reports a JWK that is not an acceptable EC P-256 public key.
	ErrKey = errors.New("unacceptable key")
	// ErrAlgorithm reports a JWS whose alg is not ES256 or whose header is not acceptable.
	ErrAlgorithm = errors.New("unacceptable algorithm")
	// ErrKeyID reports a JWS whose kid does not equal the key's thumbprint.
	ErrKeyID = errors.New("key id mismatch")
	// ErrSignature reports a JWS whose signature does not verify.
	ErrSignature = errors.New("invalid signature")
	// ErrClaims reports a statement whose claims are missing, unknown or invalid.
	ErrClaims = errors.New("invalid claims")
	// ErrChain reports a broken audit chain; the error is a *ChainError.
	ErrChain = errors.New("audit chain broken")
	// ErrCanonical reports JSON that cannot be canonicalised (non-integer or
	// out-of-range numbers, duplicate keys, invalid UTF-8).
	ErrCanonical = errors.New("not canonicalisable JSON")
)
