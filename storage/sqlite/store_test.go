package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
)

func TestUsers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	u, err := db.CreateUser(ctx, agreement.User{Username: "Kim", DisplayName: "김", Roles: []string{"organizer"}, PasswordHash: "h"})
	if err != nil || u.ID == "" || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser = %+v, %v", u, err)
	}
	if _, err := db.CreateUser(ctx, agreement.User{Username: "kim", PasswordHash: "h"}); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("duplicate username (other case) err = %v, want ErrConflict", err)
	}
	got, err := db.UserByUsername(ctx, "KIM")
	if err != nil || got.ID != u.ID || got.DisplayName != "김" || !got.HasRole("organizer") {
		t.Fatalf("UserByUsername = %+v, %v", got, err)
	}
	if err := db.SetUserDisabled(ctx, "kim", true); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.UserByID(ctx, u.ID); !got.Disabled {
		t.Fatal("SetUserDisabled(true) did not disable")
	}
	if err := db.SetUserDisabled(ctx, "nobody", true); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("SetUserDisabled(nobody) err = %v, want ErrNotFound", err)
	}
	boom := errors.New("boom")
	if _, err := db.UpdateUser(ctx, u.ID, func(u *agreement.User) error { u.Roles = nil; return boom }); !errors.Is(err, boom) {
		t.Fatalf("UpdateUser err = %v, want boom", err)
	}
	if got, _ := db.UserByID(ctx, u.ID); !got.HasRole("organizer") {
		t.Fatal("a failed UpdateUser changed the account")
	}
	if _, err := db.UserByID(ctx, "nobody"); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("UserByID(nobody) err = %v, want ErrNotFound", err)
	}
	list, err := db.ListUsers(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("ListUsers = %d users, %v; want 1", len(list), err)
	}
}

func newAgreement(t *testing.T, db *DB) *agreement.Agreement {
	t.Helper()
	u, err := db.CreateUser(context.Background(), agreement.User{Username: "org-" + NewID(), PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	a := &agreement.Agreement{Owner: u.ID, Title: agreement.Localized{"ko": "협약"}}
	if err := db.CreateAgreement(context.Background(), a, []agreement.AuditEntry{{Type: "agreement.created", Actor: "user:" + u.ID}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestUpdateAgreementIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	boom := errors.New("boom")
	_, err := db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error {
		ed.Agreement.State = agreement.StateCancelled
		ed.Record("agreement.cancelled", "user:x", nil)
		ed.Issue(agreement.Invitation{JTI: "j1", AgreementID: a.ID, ParticipantID: "p", Role: agreement.RoleHost,
			IssuedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := db.Agreement(ctx, a.ID)
	evs, _ := db.AuditEvents(ctx, a.ID)
	invs, _ := db.Invitations(ctx, a.ID)
	if got.State != agreement.StateDraft || len(evs) != 1 || len(invs) != 0 {
		t.Fatalf("after a failed update: state %s, %d events, %d invitations; want draft, 1, 0", got.State, len(evs), len(invs))
	}
	if _, err := db.UpdateAgreement(ctx, "nope", func(*agreement.Edit) error { return nil }); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("missing agreement err = %v, want ErrNotFound", err)
	}
}

func TestInvitationsAndRevocation(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	now := time.Now().UTC()
	_, err := db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error {
		for _, j := range []string{"j1", "j2"} {
			ed.Issue(agreement.Invitation{JTI: j, AgreementID: a.ID, ParticipantID: "p-" + j, Role: agreement.RoleSignatory,
				IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
			ed.Record("invitation.issued", "user:x", map[string]string{"token_id": j})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := db.IsRevoked(ctx, "j1"); r {
		t.Fatal("j1 revoked before revocation")
	}
	_, err = db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error {
		if live := ed.LiveInvitations("p-j1", time.Now()); len(live) != 1 {
			t.Errorf("live invitations of p-j1 = %d, want 1", len(live))
		}
		ed.Revoke("j1")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := db.IsRevoked(ctx, "j1"); !r || err != nil {
		t.Fatalf("IsRevoked(j1) = %v, %v; want true", r, err)
	}
	if r, _ := db.IsRevoked(ctx, "j2"); r {
		t.Fatal("j2 revoked too")
	}
	inv, err := db.Invitation(ctx, "j1")
	if err != nil || inv.RevokedAt.IsZero() || inv.ParticipantID != "p-j1" {
		t.Fatalf("Invitation(j1) = %+v, %v", inv, err)
	}
	// Revoking another agreement's invitation fails and changes nothing.
	b := newAgreement(t, db)
	if _, err := db.UpdateAgreement(ctx, b.ID, func(ed *agreement.Edit) error { ed.Revoke("j2"); return nil }); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("cross-agreement revoke err = %v, want ErrNotFound", err)
	}
	if err := db.RevokeToken(ctx, "staff-1", now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneRevoked(ctx, now); n != 1 || err != nil {
		t.Fatalf("PruneRevoked = %d, %v; want 1 (the expired staff token)", n, err)
	}
}

func TestAuditChainVerifies(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	for i := 0; i < 5; i++ {
		if _, err := db.AppendAudit(ctx, a.ID, agreement.AuditEntry{Type: "participant.joined", Actor: "participant:p", Data: map[string]int{"n": i}}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := db.AuditEvents(ctx, a.ID)
	if err != nil || len(evs) != 6 {
		t.Fatalf("AuditEvents = %d, %v; want 6", len(evs), err)
	}
	if err := signatures.VerifyChain(evs); err != nil {
		t.Fatalf("VerifyChain: %v", err)
	}
	if _, err := db.db.ExecContext(ctx, "UPDATE audit_events SET actor = 'x' WHERE seq = 2"); err == nil {
		t.Fatal("an audit event could be updated")
	}
	if _, err := db.db.ExecContext(ctx, "DELETE FROM audit_events WHERE seq = 6"); err == nil {
		t.Fatal("an audit event could be deleted")
	}
}

func TestListAgreementsFilters(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, b := newAgreement(t, db), newAgreement(t, db)
	if _, err := db.UpdateAgreement(ctx, b.ID, func(ed *agreement.Edit) error { ed.Agreement.State = agreement.StateSealed; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    agreement.ListFilter
		want int
	}{
		{"all", agreement.ListFilter{}, 2},
		{"owner", agreement.ListFilter{Owner: a.Owner}, 1},
		{"sealed", agreement.ListFilter{States: []agreement.State{agreement.StateSealed}}, 1},
		{"owner and sealed", agreement.ListFilter{Owner: a.Owner, States: []agreement.State{agreement.StateSealed}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListAgreements(ctx, tt.f)
			if err != nil || len(got) != tt.want {
				t.Fatalf("ListAgreements = %d, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}
