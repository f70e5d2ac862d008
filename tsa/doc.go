// Package tsa asks RFC 3161 time-stamp authorities (TSAs) for time-stamp tokens.
//
// A Client holds the TSAs' URLs, tried in order: Stamp sends a TimeStampReq for a SHA-256
// digest (with a random 64-bit nonce, asking for the TSA's certificate) to each in turn and
// returns the first token that is granted, is signed by the certificate it carries, and
// carries this digest and nonce. The token is the DER TimeStampToken (a CMS ContentInfo),
// which `openssl ts -verify -token_in` reads. Whether the TSA's certificate is trusted is
// for the verifier to decide (package evidence), not for the client.
//
// Relay serves the same ordered fallback to a library that takes one TSA URL and speaks
// the RFC 3161 HTTP transport itself (the PDF signer): a loopback HTTP server that forwards
// each query to the TSAs in order, for the duration of one call.
//
// Errors: ErrUnavailable (wrapped, naming each TSA's failure) when no TSA gave a usable
// token.
package tsa
