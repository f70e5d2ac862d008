package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func BenchmarkIssueStaff(b *testing.B) {
	e := newTokenEnv(b)
	for b.Loop() {
		if _, _, err := e.iss.IssueStaff("alice", []string{RoleOrganizer}, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyStaff(b *testing.B) {
	e := newTokenEnv(b)
	tok, _, err := e.iss.IssueStaff("alice", []string{RoleOrganizer}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.ver.VerifyStaff(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckPasswordDefault(b *testing.B) {
	hash, err := HashPassword("a benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, err := CheckPassword(hash, "a benchmark password"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkLimiterFailure(b *testing.B) {
	l := NewLoginLimiter(LimiterConfig{MaxEntries: 10_000})
	i := 0
	for b.Loop() {
		l.Failure(fmt.Sprintf("user%d", i%20_000), fmt.Sprintf("10.%d.%d.1", i/256%256, i%256))
		i++
	}
}

// TestRotateWhileVerifying runs issuing, verifying, rotation and
// retirement together; run under -race.
func TestRotateWhileVerifying(t *testing.T) {
	e := newTokenEnv(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 3 {
		wg.Go(func() {
			for range 200 {
				tok, _, err := e.iss.IssueStaff("alice", nil, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				// The signing key may be retired before we verify: only
				// ErrTokenUnknownKey is an acceptable failure.
				if _, err := e.ver.VerifyStaff(ctx, tok); err != nil && !errors.Is(err, ErrTokenUnknownKey) {
					errs <- err
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			old := e.ring.ActiveKID()
			if _, err := e.ring.Rotate(""); err != nil {
				errs <- err
				return
			}
			if err := e.ring.Retire("", old); err != nil {
				errs <- err
				return
			}
			_ = e.ring.JWKS()
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.ring.KIDs()); n != 1 {
		t.Errorf("ring holds %d keys after rotate+retire rounds, want 1", n)
	}
}
