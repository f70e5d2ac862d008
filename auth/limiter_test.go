package auth

import (
	"fmt"
	"testing"
	"time"
)

func newTestLimiter(maxEntries int) (*LoginLimiter, *fakeClock) {
	clock := &fakeClock{now: t0}
	l := NewLoginLimiter(LimiterConfig{AccountFailures: 5, AddressFailures: 20, Window: 15 * time.Minute, MaxEntries: maxEntries, Now: clock.Now})
	return l, clock
}

func fail(l *LoginLimiter, c *fakeClock, n int, account, addr string, every time.Duration) {
	for range n {
		l.Failure(account, addr)
		c.Advance(every)
	}
}

func TestLimiterPerAccount(t *testing.T) {
	l, clock := newTestLimiter(100)
	fail(l, clock, 4, "alice", "192.0.2.1", time.Minute)
	if ok, _ := l.Allow("alice", "192.0.2.1"); !ok {
		t.Fatal("refused after 4 failures, want allowed")
	}
	l.Failure("alice", "198.51.100.9") // fifth failure, from elsewhere: still counts
	ok, retry := l.Allow("ALICE", "203.0.113.5")
	if ok {
		t.Fatal("allowed after 5 failures in the window")
	}
	// failures at t0, t0+1m, ...: the first leaves the window at t0+15m.
	if want := 15*time.Minute - 4*time.Minute; retry != want {
		t.Errorf("retryAfter = %v, want %v", retry, want)
	}
	if ok, _ := l.Allow("bob", "192.0.2.1"); !ok {
		t.Error("other account refused: the address has only 5 failures")
	}
	clock.Advance(retry)
	if ok, _ := l.Allow("alice", "192.0.2.1"); !ok {
		t.Error("still refused once the oldest failure left the window")
	}
}

func TestLimiterPerAddress(t *testing.T) {
	l, clock := newTestLimiter(100)
	for i := range 20 {
		l.Failure(fmt.Sprintf("user%d", i), "192.0.2.7")
	}
	ok, retry := l.Allow("fresh-user", "192.0.2.7:51234")
	if ok || retry != 15*time.Minute {
		t.Errorf("Allow from a guessing address = %v, %v; want false, 15m", ok, retry)
	}
	if ok, _ := l.Allow("fresh-user", "192.0.2.8"); !ok {
		t.Error("another address refused")
	}
	clock.Advance(15 * time.Minute)
	if ok, _ := l.Allow("fresh-user", "192.0.2.7"); !ok {
		t.Error("address still refused after the window")
	}
}

func TestLimiterIPv6CountsPer64(t *testing.T) {
	l, _ := newTestLimiter(100)
	for i := range 20 {
		l.Failure(fmt.Sprintf("user%d", i), fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	if ok, _ := l.Allow("x", "[2001:db8:1:2:ffff::1]:443"); ok {
		t.Error("same /64 allowed after 20 failures across it")
	}
	if ok, _ := l.Allow("x", "2001:db8:1:3::1"); !ok {
		t.Error("another /64 refused")
	}
}

func TestLimiterSuccessClearsAccountOnly(t *testing.T) {
	l, clock := newTestLimiter(100)
	fail(l, clock, 5, "alice", "192.0.2.1", time.Second)
	fail(l, clock, 15, "mallory-target", "192.0.2.1", time.Second)
	l.Success("alice", "192.0.2.1")
	if ok, _ := l.Allow("alice", "192.0.2.2"); !ok {
		t.Error("account still refused after a success")
	}
	if ok, _ := l.Allow("carol", "192.0.2.1"); ok {
		t.Error("address allowed after 20 failures: Success must not reset it")
	}
}

func TestLimiterSlidingWindow(t *testing.T) {
	l, clock := newTestLimiter(100)
	// One failure every 4 minutes never reaches 5 inside 15 minutes.
	for i := range 20 {
		if ok, _ := l.Allow("alice", "192.0.2.1"); !ok {
			t.Fatalf("refused at failure %d with at most 4 in any window", i)
		}
		l.Failure("alice", fmt.Sprintf("192.0.2.%d", i))
		clock.Advance(4 * time.Minute)
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	l, clock := newTestLimiter(50)
	fail(l, clock, 5, "victim", "192.0.2.1", 0)
	for i := range 1000 {
		l.Failure(fmt.Sprintf("spray%d", i), fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	if n, m := len(l.accounts.entries), l.accounts.order.Len(); n > 50 || n != m {
		t.Errorf("tracking %d accounts (list %d), want at most 50", n, m)
	}
	if n := len(l.addresses.entries); n > 50 {
		t.Errorf("tracking %d addresses, want at most 50", n)
	}
	for _, e := range l.accounts.entries {
		if got := len(e.Value.(*entry).times); got > 5 {
			t.Errorf("entry keeps %d times, want at most 5", got)
		}
	}
	// The least recently failing account was evicted first.
	if _, ok := l.accounts.entries["victim"]; ok {
		t.Error("oldest entry survived eviction")
	}
	if _, ok := l.accounts.entries["spray999"]; !ok {
		t.Error("newest entry was evicted")
	}
}

func TestLimiterForgetsExpiredEntries(t *testing.T) {
	l, clock := newTestLimiter(100)
	l.Failure("alice", "192.0.2.1")
	clock.Advance(16 * time.Minute)
	if ok, _ := l.Allow("bob", "192.0.2.9"); !ok {
		t.Fatal("fresh attempt refused")
	}
	if _, ok := l.accounts.entries["alice"]; !ok {
		t.Fatal("entry gone before the window ended")
	}
	l.Allow("alice", "192.0.2.1")
	if e, ok := l.accounts.entries["alice"]; !ok || len(e.Value.(*entry).times) != 1 {
		t.Error("expired failure still counted after Allow")
	}
	clock.Advance(16 * time.Minute)
	l.Allow("carol", "192.0.2.2")
	l.accounts.wait("alice", clock.Now())
	if _, ok := l.accounts.entries["alice"]; ok {
		t.Error("entry with only expired times kept")
	}
}

// TestLimiterConcurrentAttempts: attempts allowed but not yet settled
// count, so a burst of parallel logins cannot exceed the limit.
func TestLimiterConcurrentAttempts(t *testing.T) {
	l, _ := newTestLimiter(100)
	allowed := 0
	for range 50 {
		if ok, _ := l.Allow("alice", "192.0.2.1"); ok {
			allowed++
		}
	}
	if allowed != 5 {
		t.Errorf("%d attempts allowed before any settled, want 5", allowed)
	}
	for range allowed {
		l.Failure("alice", "192.0.2.1")
	}
	if ok, _ := l.Allow("alice", "192.0.2.1"); ok {
		t.Error("allowed after 5 settled failures")
	}
}

func TestLimiterSuccessRefundsAddress(t *testing.T) {
	l, _ := newTestLimiter(100)
	for i := range 100 { // many users logging in from one office address
		user := fmt.Sprintf("user%d", i)
		if ok, _ := l.Allow(user, "192.0.2.1"); !ok {
			t.Fatalf("login %d from a shared address refused", i)
		}
		l.Success(user, "192.0.2.1")
	}
}

func TestLimiterDefaults(t *testing.T) {
	l := NewLoginLimiter(LimiterConfig{})
	want := DefaultLimiterConfig()
	if l.cfg.AccountFailures != want.AccountFailures || l.cfg.AddressFailures != want.AddressFailures ||
		l.cfg.Window != want.Window || l.cfg.MaxEntries != want.MaxEntries || l.cfg.Now == nil {
		t.Errorf("config = %+v, want defaults %+v", l.cfg, want)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l, _ := newTestLimiter(10)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 500 {
				a := fmt.Sprintf("u%d", (g*500+i)%37)
				l.Allow(a, "192.0.2.1")
				l.Failure(a, fmt.Sprintf("192.0.2.%d", i%50))
				if i%7 == 0 {
					l.Success(a, "192.0.2.1")
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	if n := len(l.accounts.entries); n > 10 {
		t.Errorf("tracking %d accounts, want at most 10", n)
	}
}
