package sealing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/signroom/signroom/agreement"
)

// removeStaging deletes a finished seal's staging copies from the working store. A failure
// is logged; SweepSealing removes what is left at the next start.
func (s *Service) removeStaging(ctx context.Context, rec agreement.Seal) {
	for _, art := range rec.Artifacts {
		if err := s.cfg.Working.Delete(context.WithoutCancel(ctx), art.StagingKey); err != nil {
			s.log.Warn("remove sealing staging copy", "agreement", rec.AgreementID, "key", art.StagingKey, "err", err)
		}
	}
}

// Sweep removes the sealing staging copies no seal needs from the working store:
// those of finished seals, and those of attempts a crash left unrecorded (staged files
// whose seal record was never written). The copies of a staged, unfinished seal stay: a
// retry archives from them. Call it at start; it holds the sealing lock while it runs.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	objs, err := s.cfg.Working.List(ctx, "agreements/")
	if err != nil {
		return 0, fmt.Errorf("sweep sealing copies: %w", err)
	}
	needed := map[string]map[string]bool{} // agreement -> staging keys its staged seal needs
	removed := 0
	for _, o := range objs {
		parts := strings.SplitN(o.Key, "/", 4)
		if len(parts) < 4 || parts[2] != "sealing" {
			continue
		}
		keep, ok := needed[parts[1]]
		if !ok {
			if keep, err = s.stagingInUse(ctx, parts[1]); err != nil {
				return removed, err
			}
			needed[parts[1]] = keep
		}
		if keep[o.Key] {
			continue
		}
		if err := s.cfg.Working.Delete(ctx, o.Key); err != nil {
			return removed, fmt.Errorf("sweep sealing copies: %w", err)
		}
		removed++
	}
	return removed, nil
}

// stagingInUse returns the staging keys of an agreement's staged, unfinished seal.
func (s *Service) stagingInUse(ctx context.Context, agreementID string) (map[string]bool, error) {
	keep := map[string]bool{}
	rec, err := s.cfg.Store.Seal(ctx, agreementID)
	if errors.Is(err, agreement.ErrNotFound) {
		return keep, nil
	}
	if err != nil {
		return nil, err
	}
	if rec.Status == agreement.SealStaged {
		for _, a := range rec.Artifacts {
			keep[a.StagingKey] = true
		}
	}
	return keep, nil
}
