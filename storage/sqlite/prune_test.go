package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
)

// TestTimesCompareAsText: stored times have a fixed width, so SQL comparisons on them order
// correctly even when one has no fraction of a second.
func TestTimesCompareAsText(t *testing.T) {
	whole := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	tests := []struct{ earlier, later time.Time }{
		{whole, whole.Add(100 * time.Millisecond)},
		{whole.Add(500 * time.Millisecond), whole.Add(time.Second)},
		{whole.Add(123 * time.Microsecond), whole.Add(5 * time.Millisecond)},
	}
	for _, tt := range tests {
		if a, b := ts(tt.earlier), ts(tt.later); !(a < b) || len(a) != len(b) {
			t.Errorf("ts(%v)=%q, ts(%v)=%q: want the first to sort first at equal length", tt.earlier, a, tt.later, b)
		}
		if got := parseTS(ts(tt.earlier)); !got.Equal(tt.earlier) {
			t.Errorf("parseTS(ts(%v)) = %v", tt.earlier, got)
		}
	}
}

func TestPruneRevokedKeepsUnexpired(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	if err := db.RevokeToken(ctx, "old", now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, "fresh", now.Add(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	n, err := db.PruneRevoked(ctx, now)
	if err != nil || n != 1 {
		t.Fatalf("PruneRevoked = %d, %v; want 1 removed", n, err)
	}
	for jti, want := range map[string]bool{"old": false, "fresh": true} {
		if got, _ := db.IsRevoked(ctx, jti); got != want {
			t.Errorf("IsRevoked(%s) = %v after prune, want %v", jti, got, want)
		}
	}
}

func TestPruneNonces(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := newAgreement(t, db)
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	for hash, exp := range map[string]time.Time{"expired": now.Add(-2 * time.Hour), "live": now.Add(time.Minute)} {
		n := agreement.Nonce{Hash: hash, AgreementID: a.ID, ParticipantID: "p", ChainHead: "h", IssuedAt: exp.Add(-5 * time.Minute), ExpiresAt: exp}
		if err := db.IssueNonce(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	n, err := db.PruneNonces(ctx, now.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneNonces = %d, %v; want 1 removed", n, err)
	}
	for hash, want := range map[string]bool{"expired": false, "live": true} {
		got, err := loadNonce(ctx, db.db, hash)
		if err != nil || (got != nil) != want {
			t.Errorf("nonce %s present = %v (%v) after prune, want %v", hash, got != nil, err, want)
		}
	}
}
