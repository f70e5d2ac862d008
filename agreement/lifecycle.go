package agreement

import (
	"errors"
	"fmt"
)

// Domain errors. Adapters map them to their own vocabularies (HTTP status codes, exit codes)
// with errors.Is; messages wrap them with context.
var (
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrInvalid      = errors.New("invalid")
	ErrForbidden    = errors.New("forbidden")
	ErrUnauthorized = errors.New("unauthorized")
	ErrTooLarge     = errors.New("too large")
)

// TransitionError reports an illegal lifecycle transition. It matches ErrConflict.
type TransitionError struct {
	From State
	To   State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("agreement is %s and cannot become %s", e.From, e.To)
}

// Unwrap makes a TransitionError match ErrConflict.
func (e *TransitionError) Unwrap() error { return ErrConflict }

var transitions = map[State][]State{
	StateDraft:     {StateScheduled, StateCancelled},
	StateScheduled: {StateLive, StateCancelled},
	StateLive:      {StateSigning},
	StateSigning:   {StateSealed},
}

// CanTransition reports whether an agreement in state from may move to state to.
func CanTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition moves the agreement to state to, or returns a *TransitionError.
// Scheduling also requires a complete agreement (see Ready).
func (a *Agreement) Transition(to State) error {
	if !CanTransition(a.State, to) {
		return &TransitionError{From: a.State, To: to}
	}
	if to == StateScheduled {
		if err := a.Ready(); err != nil {
			return err
		}
	}
	a.State = to
	return nil
}

// Ready reports whether the agreement has what a ceremony needs: a title, at least one party,
// venue, signatory, host and document, and every participant's party and venue known.
func (a *Agreement) Ready() error {
	var missing []string
	if len(a.Title) == 0 {
		missing = append(missing, "a title")
	}
	if len(a.Parties) == 0 {
		missing = append(missing, "a party")
	}
	if len(a.Venues) == 0 {
		missing = append(missing, "a venue")
	}
	if len(a.Documents) == 0 {
		missing = append(missing, "a document")
	}
	if len(a.Signatories()) == 0 {
		missing = append(missing, "a signatory")
	}
	if !a.hasRole(RoleHost) {
		missing = append(missing, "a host")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: agreement needs %v before it can be scheduled", ErrInvalid, missing)
	}
	return a.checkReferences()
}

func (a *Agreement) hasRole(r Role) bool {
	for _, p := range a.Participants {
		if p.Role == r {
			return true
		}
	}
	return false
}

func (a *Agreement) checkReferences() error {
	parties := map[string]bool{}
	for _, p := range a.Parties {
		parties[p.ID] = true
	}
	venues := map[string]bool{}
	for _, v := range a.Venues {
		venues[v.ID] = true
	}
	for _, p := range a.Participants {
		if p.PartyID != "" && !parties[p.PartyID] {
			return fmt.Errorf("%w: participant %s names unknown party %s", ErrInvalid, p.ID, p.PartyID)
		}
		if p.Role == RoleSignatory && p.PartyID == "" {
			return fmt.Errorf("%w: signatory %s represents no party", ErrInvalid, p.ID)
		}
		if !venues[p.VenueID] {
			return fmt.Errorf("%w: participant %s names unknown venue %s", ErrInvalid, p.ID, p.VenueID)
		}
	}
	return nil
}
