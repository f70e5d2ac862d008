package server

import (
	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/sealing"
)

// Sealed artifact names, as package sealing writes them.
const (
	artifactPDF    = sealing.ArtifactPDF
	artifactBundle = sealing.ArtifactBundle
)

// Sealing returns the sealing service the handlers call (for the start-up sweep and the
// automatic close).
func (s *Server) Sealing() *sealing.Service { return s.sealing }

// announceSealed tells the ceremony that the agreement is sealed and closes its room.
func (s *Server) announceSealed(sd sealing.Sealed) {
	id := sd.Agreement.ID
	s.broadcast(id, sealedEventOf(sd.Seal))
	s.broadcast(id, stateEvent{State: string(agreement.StateSealed), From: string(agreement.StateSigning)})
	if s.cfg.Ceremony != nil {
		s.cfg.Ceremony.End(id, "sealed")
	}
}

// sealedEventOf is the agreement.sealed event of a seal: when, and its artifacts' SHA-256.
func sealedEventOf(rec agreement.Seal) sealedEvent {
	pdf, _ := rec.Artifact(artifactPDF)
	bundle, _ := rec.Artifact(artifactBundle)
	return sealedEvent{SealedAt: rec.SealedAt, SealedPDFSHA256: pdf.SHA256, BundleSHA256: bundle.SHA256}
}
