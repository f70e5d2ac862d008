package agreement

import (
	"fmt"
	"time"
)

// Invitation records one invitation token issued to a participant. The token itself is never
// stored: it is shown once when issued, and a lost token is re-issued (revoking the old one).
type Invitation struct {
	JTI           string
	AgreementID   string
	ParticipantID string
	Role          Role
	IssuedAt      time.Time
	ExpiresAt     time.Time
	RevokedAt     time.Time // zero while the invitation is live
}

// InvitationAccepts is the one rule, for the API and the live ceremony alike, on an
// invitation token whose signature, audience, issuer and expiry are verified: the store must
// have issued its jti (inv is what the store holds under it; found false when it holds
// nothing), for the token's agreement and participant, and not revoked it. A refusal wraps
// ErrUnauthorized.
func InvitationAccepts(inv Invitation, found bool, agreementID, participantID string) error {
	switch {
	case !found:
		return fmt.Errorf("the invitation is unknown: %w", ErrUnauthorized)
	case inv.AgreementID != agreementID || inv.ParticipantID != participantID || !inv.RevokedAt.IsZero():
		return fmt.Errorf("the invitation is no longer valid: %w", ErrUnauthorized)
	}
	return nil
}

// Live reports whether the invitation is neither revoked nor expired at now.
func (i Invitation) Live(now time.Time) bool {
	return i.RevokedAt.IsZero() && now.Before(i.ExpiresAt)
}

// AuditEntry is what an audit event records: its type ("agreement.scheduled"), the actor
// ("user:ID", "participant:ID", "system") and a JSON-marshalable payload. The store adds the
// sequence number, time and hash chain.
type AuditEntry struct {
	Type  string
	Actor string
	Data  any
}

// Edit is one atomic change to an agreement, handed to a store's update function: the
// agreement to change in place, the invitations issued for it so far, and the audit events,
// invitations and revocations the store must write in the same transaction.
type Edit struct {
	Agreement   *Agreement
	Invitations []Invitation // every invitation issued for the agreement, oldest first

	Events  []AuditEntry
	Issued  []Invitation
	Revoked []string // jtis
}

// Record adds an audit event to the edit.
func (e *Edit) Record(typ, actor string, data any) {
	e.Events = append(e.Events, AuditEntry{Type: typ, Actor: actor, Data: data})
}

// Issue records a newly issued invitation.
func (e *Edit) Issue(inv Invitation) { e.Issued = append(e.Issued, inv) }

// Revoke records the revocation of the invitation with id jti.
func (e *Edit) Revoke(jti string) { e.Revoked = append(e.Revoked, jti) }

// LiveInvitations returns the invitations of participant (all participants when empty) that
// are live at now and not revoked by this edit.
func (e *Edit) LiveInvitations(participant string, now time.Time) []Invitation {
	var out []Invitation
	for _, inv := range e.Invitations {
		if (participant == "" || inv.ParticipantID == participant) && inv.Live(now) && !e.revokes(inv.JTI) {
			out = append(out, inv)
		}
	}
	return out
}

func (e *Edit) revokes(jti string) bool {
	for _, j := range e.Revoked {
		if j == jti {
			return true
		}
	}
	return false
}

// CheckSigningOrder reports whether a sequential agreement gives every signatory a distinct
// positive order. Parallel agreements always pass.
func (a *Agreement) CheckSigningOrder() error {
	if a.SigningOrder != OrderSequential {
		return nil
	}
	seen := map[int]string{}
	for _, p := range a.Signatories() {
		if p.Order < 1 {
			return fmt.Errorf("%w: signatory %s needs a signing order for sequential signing", ErrInvalid, p.ID)
		}
		if other, ok := seen[p.Order]; ok {
			return fmt.Errorf("%w: signatories %s and %s share signing order %d", ErrInvalid, other, p.ID, p.Order)
		}
		seen[p.Order] = p.ID
	}
	return nil
}

// ListFilter selects agreements in a listing. Zero fields select everything.
type ListFilter struct {
	Owner  string  // only agreements of this staff user
	States []State // only agreements in one of these states
}
