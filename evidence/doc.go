// Package evidence builds and verifies Signroom's sealed records: the
// sealed PDF (every document version plus a signature page, signed as a PDF
// signature with the service's ECDSA P-256 seal certificate), the evidence
// manifest (JSON signed by the seal key as a JWS with an x5c header and as a
// DER signature for openssl) and the evidence bundle (a BagIt bag, RFC 8493,
// serialised as a ZIP with the bag in one top-level directory).
//
// Verification needs nothing but the bundle: [Verify] checks the bag,
// the manifest seal, every signer's JWS (via package signatures), the
// document hashes, the audit chain, the binding of signatures to documents
// and chain, the PDF seal and any recordings, and reports each check by name.
// docs/evidence-format.md specifies the formats for independent verifiers.
package evidence
