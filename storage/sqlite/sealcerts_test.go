package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
)

// TestSealCertHistory: a replaced certificate stays listed, retired when the next one came
// into use, with the period and count of the seals it made.
func TestSealCertHistory(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := db.UseSealCert(ctx, "aa", "PEM-A", t0); err != nil {
		t.Fatal(err)
	}
	a := newAgreement(t, db)
	sealedAt := t0.Add(24 * time.Hour)
	s := agreement.Seal{AgreementID: a.ID, SealedAt: sealedAt, RetainUntil: sealedAt.AddDate(10, 0, 0), AuditHead: "h",
		AuditEvents: 1, StagedAt: sealedAt, SealCert: "aa"}
	if err := db.StageSeal(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishSeal(ctx, a.ID, func(*agreement.Edit) error { return nil }); err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(48 * time.Hour)
	for _, use := range []struct{ sha, pem string }{{"bb", "PEM-B"}, {"bb", "PEM-B"}} { // a restart re-registers
		if err := db.UseSealCert(ctx, use.sha, use.pem, t1); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.SealCerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d certificates, want 2: %+v", len(got), got)
	}
	old, cur := got[0], got[1]
	if old.SHA256 != "aa" || !old.RetiredAt.Equal(t1) || old.Seals != 1 || !old.FirstSealedAt.Equal(sealedAt) || !old.LastSealedAt.Equal(sealedAt) {
		t.Errorf("replaced certificate = %+v", old)
	}
	if cur.SHA256 != "bb" || !cur.RetiredAt.IsZero() || cur.Seals != 0 || !cur.FirstSealedAt.IsZero() || cur.PEM != "PEM-B" {
		t.Errorf("current certificate = %+v", cur)
	}
	if s, _ := db.Seal(ctx, a.ID); s.SealCert != "aa" {
		t.Errorf("seal record names certificate %q, want aa", s.SealCert)
	}
}
