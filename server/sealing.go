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
	id, rec := sd.Agreement.ID, sd.Seal
	pdf, _ := rec.Artifact(artifactPDF)
	bundle, _ := rec.Artifact(artifactBundle)
	s.broadcast(id, sealedEvent{SealedAt: rec.SealedAt, SealedPDFSHA256: pdf.SHA256, BundleSHA256: bundle.SHA256})
	s.broadcast(id, stateEvent{State: string(agreement.StateSealed), From: string(agreement.StateSigning)})
	if s.cfg.Ceremony != nil {
		s.cfg.Ceremony.End(id, "sealed")
	}
}
