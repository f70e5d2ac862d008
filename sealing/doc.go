// Package sealing seals an agreement: it closes the ceremony, gathers the documents, the
// signatures and the audit trail, builds the evidence (the sealed PDF, the signed manifest
// and the BagIt bundle, see package evidence), writes it to the archive under COMPLIANCE
// retention and marks the agreement sealed. The HTTP handlers (package server), the
// automatic close and tests all drive it through a Service.
//
// # Steps
//
// Sealing runs in three steps that a retry resumes:
//
//  1. stage: build the artifacts once, put them in the working store under an
//     attempt-specific prefix (agreements/{id}/sealing/{attempt}/) and record them
//     (hashes, keys, sealed_at) in a seal record. From then on no more signatures are
//     accepted.
//  2. archive: copy each staged artifact to its fixed archive key
//     (agreements/{id}/evidence/{name}) under COMPLIANCE retention. An object already there
//     (from an interrupted attempt) is accepted only if its SHA-256 equals the staged one.
//  3. finish: mark the seal done, move the agreement to sealed, record "agreement.sealed"
//     (naming the artifacts and the audit head the manifest anchors), in one transaction;
//     then the Announce hook tells the live ceremony. Invitations are not revoked: until
//     they expire they show the sealed agreement and give the participant's copy.
//
// One Service seals one agreement at a time. Errors: ErrUnavailable when no archive or
// seal key is configured, ErrSignaturesMissing when a signatory has not signed, a
// *StateError when the agreement is not in signing; store errors are wrapped.
package sealing
