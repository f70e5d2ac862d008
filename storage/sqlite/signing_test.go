package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
)

func acceptAll(*agreement.Agreement) error { return nil }

func TestSignerKeys(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	ev := agreement.AuditEntry{Type: "signer_key.registered", Actor: "participant:p1"}
	k := agreement.SignerKey{AgreementID: a.ID, ParticipantID: "p1", JWK: `{"kty":"EC"}`, Thumbprint: "t1"}
	if err := db.RegisterSignerKey(ctx, &k, acceptAll, ev); err != nil || k.RegisteredAt.IsZero() {
		t.Fatalf("RegisterSignerKey = %v (registered %v)", err, k.RegisteredAt)
	}
	k2 := k
	k2.Thumbprint = "t2"
	if err := db.RegisterSignerKey(ctx, &k2, acceptAll, ev); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("second key err = %v, want ErrConflict", err)
	}
	boom := errors.New("boom")
	reset := func(agreement.SignerKey) agreement.AuditEntry {
		return agreement.AuditEntry{Type: "signer_key.reset", Actor: "user:o"}
	}
	if err := db.ResetSignerKey(ctx, a.ID, "p1", func(*agreement.Agreement) error { return boom }, reset); !errors.Is(err, boom) {
		t.Fatalf("refused reset err = %v, want boom", err)
	}
	if got, err := db.SignerKey(ctx, a.ID, "p1"); err != nil || got.Thumbprint != "t1" {
		t.Fatalf("SignerKey = %+v, %v; want t1", got, err)
	}
	if err := db.ResetSignerKey(ctx, a.ID, "p1", acceptAll, reset); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SignerKey(ctx, a.ID, "p1"); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("SignerKey after reset err = %v, want ErrNotFound", err)
	}
	if err := db.ResetSignerKey(ctx, a.ID, "p1", acceptAll, reset); !errors.Is(err, agreement.ErrNotFound) {
		t.Fatalf("second reset err = %v, want ErrNotFound", err)
	}
	if err := db.RegisterSignerKey(ctx, &k2, acceptAll, ev); err != nil {
		t.Fatalf("register after reset: %v", err)
	}
	evs, _ := db.AuditEvents(ctx, a.ID)
	if got := len(evs); got != 4 { // created, registered, reset, registered
		t.Fatalf("%d audit events, want 4", got)
	}
}

func TestAddSignatureConsumesNonceOnce(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	now := time.Now().UTC()
	n := agreement.Nonce{Hash: "h1", AgreementID: a.ID, ParticipantID: "p1", ChainHead: "c", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	if err := db.IssueNonce(ctx, n); err != nil {
		t.Fatal(err)
	}
	sig := agreement.Signature{ParticipantID: "p1", Role: agreement.RoleSignatory, JWS: "a.b.c", JWK: "{}", Thumbprint: "t", SignedAt: now}
	accept := func(st agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error) {
		if st.Nonce == nil || st.Nonce.ChainHead != "c" || !st.Nonce.UsedAt.IsZero() {
			return sig, nil, errors.New("nonce not as issued")
		}
		return sig, []agreement.AuditEntry{{Type: "signature.added", Actor: "participant:p1"}}, nil
	}
	boom := errors.New("boom")
	if _, _, err := db.AddSignature(ctx, a.ID, "h1", func(agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error) {
		return sig, nil, boom
	}); !errors.Is(err, boom) {
		t.Fatalf("refused signature err = %v, want boom", err)
	}
	got, evs, err := db.AddSignature(ctx, a.ID, "h1", accept)
	if err != nil || got.RecordedAt.IsZero() || len(evs) != 1 {
		t.Fatalf("AddSignature = %+v, %d events, %v", got, len(evs), err)
	}
	if _, _, err := db.AddSignature(ctx, a.ID, "h1", func(agreement.SigningState) (agreement.Signature, []agreement.AuditEntry, error) {
		return sig, nil, nil
	}); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("nonce reuse err = %v, want ErrConflict", err)
	}
	if err := db.IssueNonce(ctx, agreement.Nonce{Hash: "h2", AgreementID: a.ID, ParticipantID: "p1", ChainHead: "c", IssuedAt: now, ExpiresAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.AddSignature(ctx, a.ID, "h2", accept); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("second signature of p1 err = %v, want ErrConflict", err)
	}
	sigs, _ := db.Signatures(ctx, a.ID)
	if len(sigs) != 1 || sigs[0].JWS != "a.b.c" {
		t.Fatalf("Signatures = %+v, want the one", sigs)
	}
	if _, err := db.db.ExecContext(ctx, "DELETE FROM signatures"); err == nil {
		t.Fatal("a signature could be deleted")
	}
}

func TestSealRecord(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := newAgreement(t, db)
	now := time.Now().UTC()
	s := agreement.Seal{AgreementID: a.ID, SealedAt: now, RetainUntil: now.AddDate(10, 0, 0), AuditHead: "h", AuditEvents: 1, StagedAt: now,
		Artifacts: []agreement.Artifact{{Name: "bundle.zip", ArchiveKey: "k", StagingKey: "s", SHA256: "x", Size: 3}}}
	if _, err := db.FinishSeal(ctx, a.ID, func(*agreement.Edit) error { return nil }); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("FinishSeal without a staged seal err = %v, want ErrConflict", err)
	}
	if err := db.StageSeal(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.StageSeal(ctx, s); !errors.Is(err, agreement.ErrConflict) {
		t.Fatalf("second StageSeal err = %v, want ErrConflict", err)
	}
	boom := errors.New("boom")
	if _, err := db.FinishSeal(ctx, a.ID, func(*agreement.Edit) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("refused FinishSeal err = %v, want boom", err)
	}
	if got, _ := db.Seal(ctx, a.ID); got.Status != agreement.SealStaged {
		t.Fatalf("a refused FinishSeal left status %q", got.Status)
	}
	if _, err := db.FinishSeal(ctx, a.ID, func(ed *agreement.Edit) error { ed.Record("agreement.sealed", "system", nil); return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := db.Seal(ctx, a.ID)
	if art, ok := got.Artifact("bundle.zip"); err != nil || got.Status != agreement.SealDone || got.CompletedAt.IsZero() || !ok || art.Size != 3 {
		t.Fatalf("Seal = %+v, %v", got, err)
	}
}
