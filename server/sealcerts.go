package server

import (
	"context"
	"net/http"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
)

// sealList builds the published list of every seal certificate the service has used.
func (s *Server) sealList(ctx context.Context) (evidence.SealList, error) {
	l := evidence.SealList{Format: evidence.SealListFormat, GeneratedAt: s.cfg.Now().UTC(),
		Installation: evidence.Installation{Operator: s.cfg.Operator, PublicURL: s.cfg.PublicURL}, Certificates: []evidence.SealEntry{}}
	certs, err := s.cfg.Store.SealCerts(ctx)
	if err != nil {
		return l, err
	}
	current := ""
	if s.cfg.Sealer != nil {
		current = evidence.CertFingerprint(s.cfg.Sealer.Cert)
	}
	listed := false
	for _, c := range certs {
		e, err := sealEntry(c)
		if err != nil {
			return l, err
		}
		e.Current, listed = c.SHA256 == current, listed || c.SHA256 == current
		l.Certificates = append(l.Certificates, e)
	}
	if current != "" && !listed { // the store was not told yet (a Server built without serve)
		e := evidence.NewSealEntry(s.cfg.Sealer.Cert)
		e.InUseSince, e.Current = e.NotBefore, true
		l.Certificates = append(l.Certificates, e)
	}
	return l, nil
}

func sealEntry(c agreement.SealCert) (evidence.SealEntry, error) {
	cert, err := evidence.ParseCertPEM([]byte(c.PEM))
	if err != nil {
		return evidence.SealEntry{}, err
	}
	e := evidence.NewSealEntry(cert)
	e.InUseSince, e.RetiredAt, e.Seals = c.InUseSince.UTC(), optTime(c.RetiredAt), c.Seals
	e.FirstSealedAt, e.LastSealedAt = optTime(c.FirstSealedAt), optTime(c.LastSealedAt)
	return e, nil
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// handleSealCerts publishes the seal certificates, to anyone and any origin: verifiers pin
// them (signroom verify --trust-url, the verify page of this or another installation).
func (s *Server) handleSealCerts(w http.ResponseWriter, r *http.Request) {
	l, err := s.sealList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, l)
}

// ownTrust is the service's own published seal certificates, as the trust for
// POST /api/verify.
func (s *Server) ownTrust(ctx context.Context) (evidence.Trust, error) {
	l, err := s.sealList(ctx)
	if err != nil || len(l.Certificates) == 0 {
		return evidence.Trust{}, err
	}
	return l.Trust(s.cfg.PublicURL + evidence.SealListPath)
}
