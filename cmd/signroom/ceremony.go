package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/readyboard"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signatures"
)

// agreementReader is what admission needs from the metadata store.
type agreementReader interface {
	Agreement(ctx context.Context, id string) (*agreement.Agreement, error)
	Invitation(ctx context.Context, jti string) (agreement.Invitation, error)
}

// admitter checks invitation tokens for the ceremony WebSocket: signature, audience,
// issuer, expiry and revocation (auth.Verifier), that the store issued the invitation and
// has not revoked it (agreement.InvitationAccepts, the API's rule), that it is for this agreement,
// that its participant still exists, and that the ceremony is live.
type admitter struct {
	verifier *auth.Verifier
	store    agreementReader
}

func (a admitter) Admit(ctx context.Context, agreementID, token string) (signaling.Admission, error) {
	c, err := a.verifier.VerifyJoin(ctx, token)
	if err != nil {
		if errors.Is(err, auth.ErrTokenInvalid) {
			return signaling.Admission{}, fmt.Errorf("%w: %s", signaling.ErrNotAdmitted, auth.Reason(err))
		}
		return signaling.Admission{}, fmt.Errorf("check invitation: %w", err)
	}
	if c.Agreement != agreementID {
		return signaling.Admission{}, fmt.Errorf("%w: the invitation is for another agreement", signaling.ErrNotAdmitted)
	}
	inv, err := a.store.Invitation(ctx, c.ID)
	found := !errors.Is(err, agreement.ErrNotFound)
	if err != nil && found {
		return signaling.Admission{}, fmt.Errorf("check invitation: %w", err)
	}
	if err := agreement.InvitationAccepts(inv, found, c.Agreement, c.Participant); err != nil {
		return signaling.Admission{}, fmt.Errorf("%w: %w", signaling.ErrNotAdmitted, err)
	}
	ag, err := a.store.Agreement(ctx, agreementID)
	if err != nil {
		return signaling.Admission{}, fmt.Errorf("%w: agreement not found", signaling.ErrNotAdmitted)
	}
	if ag.State != agreement.StateLive && ag.State != agreement.StateSigning {
		return signaling.Admission{}, fmt.Errorf("%w: the ceremony is not live (agreement is %s)", signaling.ErrNotAdmitted, ag.State)
	}
	p, ok := ag.Participant(c.Participant)
	if !ok {
		return signaling.Admission{}, fmt.Errorf("%w: participant is no longer invited", signaling.ErrNotAdmitted)
	}
	exp := c.ExpiresAt.Time
	return signaling.Admission{
		AgreementID: agreementID, ParticipantID: p.ID, TokenID: c.ID,
		Name: p.Name, Role: string(p.Role), VenueID: p.VenueID,
		Publish: c.Grants.Publish, Subscribe: c.Grants.Subscribe, Sign: c.Grants.Sign, Host: c.Grants.Host,
		ExpiresAt: exp,
	}, nil
}

// ceremonyEvents adapts the hub to the API's Ceremony interface.
type ceremonyEvents struct{ hub *signaling.Hub }

// namedEvent is implemented by API events that know their wire name.
type namedEvent interface{ EventName() string }

func (c ceremonyEvents) Broadcast(agreementID string, ev any) {
	name := "event"
	if n, ok := ev.(namedEvent); ok {
		name = n.EventName()
	}
	c.hub.Broadcast(agreementID, signaling.Event{Name: name, Data: ev})
}

func (c ceremonyEvents) Revoke(agreementID, tokenID string) { c.hub.Revoke(agreementID, tokenID) }

func (c ceremonyEvents) End(agreementID, reason string) { c.hub.CloseRoom(agreementID, reason) }

func (c ceremonyEvents) Connected(agreementID, participantID string) bool {
	return c.hub.Connected(agreementID, participantID)
}

// Roster gives the readiness board who is in the agreement's live room.
func (c ceremonyEvents) Roster(agreementID string) []readyboard.Presence {
	in := c.hub.Roster(agreementID)
	out := make([]readyboard.Presence, 0, len(in))
	for _, p := range in {
		out = append(out, readyboard.Presence{ParticipantID: p.ParticipantID, JoinedAt: p.JoinedAt, Sources: p.Sources,
			Muted: p.Muted, Unreachable: p.Unreachable, RTT: p.RTT})
	}
	return out
}

// auditAppender appends one event to an agreement's audit trail.
type auditAppender interface {
	AppendAudit(ctx context.Context, agreementID string, e agreement.AuditEntry) (signatures.Event, error)
}

// roomAudit writes the hub's joins, leaves, mutes and removals to the audit trail.
type roomAudit struct {
	store auditAppender
	log   *slog.Logger
}

// roomAuditTimeout bounds one audit write from a session's goroutine.
const roomAuditTimeout = 5 * time.Second

func (a roomAudit) Record(agreementID string, e signaling.RoomEvent) {
	ctx, cancel := context.WithTimeout(context.Background(), roomAuditTimeout)
	defer cancel()
	if _, err := a.store.AppendAudit(ctx, agreementID, agreement.AuditEntry{Type: e.Type, Actor: e.Actor, Data: e.Data}); err != nil {
		a.log.Error("audit room event", "agreement", agreementID, "event", e.Type, "err", err)
	}
}
