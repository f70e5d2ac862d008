package agreement

import (
	"errors"
	"testing"
)

func readyAgreement() *Agreement {
	return &Agreement{
		ID:      "a1",
		Title:   Localized{"en": "MOU"},
		State:   StateDraft,
		Parties: []Party{{ID: "p1", Name: Localized{"ko": "강원도"}}},
		Venues:  []Venue{{ID: "v1", TimeZone: "Asia/Seoul"}},
		Participants: []Participant{
			{ID: "h", Role: RoleHost, VenueID: "v1"},
			{ID: "s2", Role: RoleSignatory, PartyID: "p1", VenueID: "v1", Order: 2},
			{ID: "s1", Role: RoleSignatory, PartyID: "p1", VenueID: "v1", Order: 1},
		},
		Documents: []Document{{ID: "d1", Language: "ko"}},
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from, to State
		ok       bool
	}{
		{StateDraft, StateScheduled, true},
		{StateDraft, StateCancelled, true},
		{StateDraft, StateLive, false},
		{StateScheduled, StateLive, true},
		{StateScheduled, StateCancelled, true},
		{StateLive, StateSigning, true},
		{StateLive, StateCancelled, false},
		{StateSigning, StateSealed, true},
		{StateSealed, StateDraft, false},
		{StateCancelled, StateDraft, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"->"+string(tt.to), func(t *testing.T) {
			a := readyAgreement()
			a.State = tt.from
			err := a.Transition(tt.to)
			if got := err == nil; got != tt.ok {
				t.Fatalf("Transition(%s->%s) err = %v, want ok=%v", tt.from, tt.to, err, tt.ok)
			}
			if !tt.ok {
				var te *TransitionError
				if !errors.As(err, &te) || !errors.Is(err, ErrConflict) {
					t.Fatalf("err = %v, want *TransitionError matching ErrConflict", err)
				}
				if a.State != tt.from {
					t.Fatalf("state changed to %s on refused transition", a.State)
				}
			}
		})
	}
}

func TestReadyRefusesIncomplete(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Agreement)
	}{
		{"no documents", func(a *Agreement) { a.Documents = nil }},
		{"no host", func(a *Agreement) { a.Participants = a.Participants[1:] }},
		{"unknown venue", func(a *Agreement) { a.Participants[0].VenueID = "nowhere" }},
		{"signatory without party", func(a *Agreement) { a.Participants[1].PartyID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := readyAgreement()
			tt.mutate(a)
			if err := a.Transition(StateScheduled); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Transition(scheduled) err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestSignatoriesInOrder(t *testing.T) {
	got := readyAgreement().Signatories()
	if len(got) != 2 || got[0].ID != "s1" || got[1].ID != "s2" {
		t.Fatalf("Signatories() = %+v, want s1 then s2", got)
	}
}
