package sealing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/internal/periodic"
)

// ErrRecordingsPending: the ceremony is closed but its recordings were not all uploaded
// within Config.RecordingWait (the working store does not answer); AutoClose seals it once
// they are.
var ErrRecordingsPending = errors.New("the ceremony is closed; its recordings are still being uploaded and the record is sealed once they are")

// Reasons a ceremony closes, in the "ceremony.closed" audit event.
const (
	ReasonHost      = "host"      // the host (MC) closed it from the ceremony
	ReasonOrganizer = "organizer" // the organizer closed it through the API
	ReasonEmpty     = "empty"     // nobody was in the room for Auto.EmptyFor
	ReasonTimeout   = "timeout"   // Auto.AfterLast passed since the last signature
	// reasonRetry: AutoClose finishing a close that did not seal (never recorded: the
	// close event was recorded by the first attempt).
	reasonRetry = "retry"
)

// Recordings is what closing needs from the recorder: Finish stops recording the
// agreement and returns once every segment of it is uploaded to the working store, or an
// error when ctx ends first (the segments stay safe in the spool).
type Recordings interface {
	Finish(ctx context.Context, agreementID string) error
}

// Close ends the ceremony of an agreement in signing whose signatories have all signed
// and seals it: the audit event "ceremony.closed" (with reason and the actor) is recorded
// once, the Closing hook tells the room, the recordings are finished, and then the
// agreement is sealed (Seal). A failure leaves the agreement in signing; calling Close again
// resumes without a second close event.
func (s *Service) Close(ctx context.Context, id, actor, reason string) (*agreement.Agreement, error) {
	if !s.Available() {
		return nil, ErrUnavailable
	}
	closed, err := s.recordClose(ctx, id, actor, reason)
	if err != nil {
		return nil, err
	}
	if closed && s.cfg.Closing != nil {
		s.cfg.Closing(id, reason)
	}
	if s.cfg.Recordings != nil {
		wait, cancel := context.WithTimeout(ctx, s.cfg.RecordingWait)
		err := s.cfg.Recordings.Finish(wait, id)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("close agreement %s: %w: %w", id, ErrRecordingsPending, err)
		}
	}
	return s.Seal(ctx, id)
}

// recordClose checks that the agreement can close and records "ceremony.closed" unless an
// earlier attempt did; it reports whether it recorded it now.
func (s *Service) recordClose(ctx context.Context, id, actor, reason string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.cfg.Store.Agreement(ctx, id)
	if err != nil {
		return false, err
	}
	if a.State != agreement.StateSigning {
		return false, &StateError{State: a.State, Msg: "only a ceremony in signing can be closed"}
	}
	sigs, err := s.cfg.Store.Signatures(ctx, id)
	if err != nil {
		return false, err
	}
	if n := Remaining(a, sigs); n > 0 {
		return false, missing(n)
	}
	if closed, err := s.closeRecorded(ctx, id); err != nil || closed {
		return false, err
	}
	_, err = s.cfg.Store.AppendAudit(ctx, id, agreement.AuditEntry{Type: EventClosed, Actor: actor,
		Data: map[string]any{"reason": reason, "signatures": len(sigs)}})
	if err != nil {
		return false, err
	}
	s.log.Info("ceremony closed", "agreement", id, "reason", reason)
	return true, nil
}

// EventClosed is the audit event recorded when a ceremony closes.
const EventClosed = "ceremony.closed"

// Presence tells the automatic close whether a participant is in the live room.
type Presence interface {
	Connected(agreementID, participantID string) bool
}

// Auto configures AutoClose.
type Auto struct {
	Presence Presence
	// EmptyFor closes a ceremony whose signatures are all in once nobody has been in its
	// room this long (0: DefaultEmptyFor).
	EmptyFor time.Duration
	// AfterLast closes a ceremony this long after its last signature; 0: never.
	AfterLast time.Duration
	Interval  time.Duration // between checks; 0: DefaultAutoInterval
}

// Defaults of Auto.
const (
	DefaultEmptyFor     = 2 * time.Minute
	DefaultAutoInterval = 10 * time.Second
)

// AutoClose closes, until ctx ends, every ceremony whose signatures are all in when its
// room has been empty for EmptyFor or AfterLast has passed since its last signature. A
// failed close is logged and tried again at the next check.
func (s *Service) AutoClose(ctx context.Context, cfg Auto) {
	if cfg.EmptyFor <= 0 {
		cfg.EmptyFor = DefaultEmptyFor
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultAutoInterval
	}
	emptySince := map[string]time.Time{}
	periodic.Run(ctx, cfg.Interval, false, func(ctx context.Context) { s.autoCheck(ctx, cfg, emptySince) })
}

// autoCheck looks at every agreement in signing once.
func (s *Service) autoCheck(ctx context.Context, cfg Auto, emptySince map[string]time.Time) {
	list, err := s.cfg.Store.ListAgreements(ctx, agreement.ListFilter{States: []agreement.State{agreement.StateSigning}})
	if err != nil {
		s.log.Warn("automatic close: list agreements", "err", err)
		return
	}
	seen := map[string]bool{}
	for _, a := range list {
		seen[a.ID] = true
		reason, err := s.closeReason(ctx, cfg, a, emptySince)
		if err != nil || reason == "" {
			continue
		}
		if _, err := s.Close(ctx, a.ID, "system", reason); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Error("automatic close failed; retrying at the next check", "agreement", a.ID, "reason", reason, "err", err)
		}
	}
	for id := range emptySince {
		if !seen[id] {
			delete(emptySince, id)
		}
	}
}

// closeReason says why a should close now, or "".
func (s *Service) closeReason(ctx context.Context, cfg Auto, a *agreement.Agreement, emptySince map[string]time.Time) (string, error) {
	sigs, err := s.cfg.Store.Signatures(ctx, a.ID)
	if err != nil || Remaining(a, sigs) > 0 {
		delete(emptySince, a.ID)
		return "", err
	}
	if closed, err := s.closeRecorded(ctx, a.ID); err != nil || closed {
		return reasonRetry, err
	}
	now := s.cfg.Now()
	if last := lastSigned(sigs); cfg.AfterLast > 0 && now.Sub(last) >= cfg.AfterLast {
		return ReasonTimeout, nil
	}
	if occupied(cfg.Presence, a) {
		delete(emptySince, a.ID)
		return "", nil
	}
	since, ok := emptySince[a.ID]
	if !ok {
		emptySince[a.ID] = now
		return "", nil
	}
	if now.Sub(since) >= cfg.EmptyFor {
		return ReasonEmpty, nil
	}
	return "", nil
}

// closeRecorded reports whether the agreement's audit trail has its "ceremony.closed".
func (s *Service) closeRecorded(ctx context.Context, id string) (bool, error) {
	events, err := s.cfg.Store.AuditEvents(ctx, id)
	if err != nil {
		return false, err
	}
	for _, e := range events {
		if e.Type == EventClosed {
			return true, nil
		}
	}
	return false, nil
}

func lastSigned(sigs []agreement.Signature) time.Time {
	var t time.Time
	for _, sg := range sigs {
		if sg.SignedAt.After(t) {
			t = sg.SignedAt
		}
	}
	return t
}

func occupied(p Presence, a *agreement.Agreement) bool {
	if p == nil {
		return false
	}
	for _, pt := range a.Participants {
		if p.Connected(a.ID, pt.ID) {
			return true
		}
	}
	return false
}
