package auth

import (
	"container/list"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// LimiterConfig configures a LoginLimiter. Zero fields take the defaults
// shown in DefaultLimiterConfig.
type LimiterConfig struct {
	AccountFailures int              // failures per account per Window
	AddressFailures int              // failures per client address per Window
	Window          time.Duration    // sliding window
	MaxEntries      int              // tracked accounts, and separately addresses
	Now             func() time.Time // clock; nil means time.Now
}

// DefaultLimiterConfig returns 5 failures per account and 20 per address
// in a sliding 15-minute window, tracking up to 100,000 of each.
func DefaultLimiterConfig() LimiterConfig {
	return LimiterConfig{AccountFailures: 5, AddressFailures: 20, Window: 15 * time.Minute, MaxEntries: 100_000, Now: time.Now}
}

// LoginLimiter limits failed logins per account and per client address in
// a sliding window. Memory is bounded: each tracked key keeps at most its
// limit of timestamps, and past MaxEntries keys the least recently failing
// one is forgotten. Note that the per-account limit lets anyone lock an
// account out for a window; that is the price of stopping guessing.
// A LoginLimiter is safe for concurrent use.
type LoginLimiter struct {
	cfg       LimiterConfig
	mu        sync.Mutex
	accounts  *window
	addresses *window
}

// NewLoginLimiter returns a LoginLimiter configured by cfg.
func NewLoginLimiter(cfg LimiterConfig) *LoginLimiter {
	def := DefaultLimiterConfig()
	if cfg.AccountFailures <= 0 {
		cfg.AccountFailures = def.AccountFailures
	}
	if cfg.AddressFailures <= 0 {
		cfg.AddressFailures = def.AddressFailures
	}
	if cfg.Window <= 0 {
		cfg.Window = def.Window
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = def.MaxEntries
	}
	if cfg.Now == nil {
		cfg.Now = def.Now
	}
	return &LoginLimiter{
		cfg:       cfg,
		accounts:  newWindow(cfg.AccountFailures, cfg.Window, cfg.MaxEntries),
		addresses: newWindow(cfg.AddressFailures, cfg.Window, cfg.MaxEntries),
	}
}

// Allow reports whether a login attempt for account from addr may proceed;
// if not, retryAfter says when the oldest counted failure leaves the
// window. An allowed attempt is reserved and counts as a failure until
// Success is called, so concurrent attempts cannot slip past the limit:
// follow every allowed attempt with exactly one Failure or Success.
// addr is the client's IP address, with or without a port; IPv6 addresses
// count per /64.
func (l *LoginLimiter) Allow(account, addr string) (ok bool, retryAfter time.Duration) {
	now := l.cfg.Now()
	acc, ad := accountKey(account), addressKey(addr)
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := max(l.accounts.wait(acc, now), l.addresses.wait(ad, now))
	if wait > 0 {
		return false, wait
	}
	l.accounts.reserve(acc, now)
	l.addresses.reserve(ad, now)
	return true, 0
}

// Failure records a failed login for account from addr, settling the
// attempt Allow reserved (or counting a new failure if none is pending).
func (l *LoginLimiter) Failure(account, addr string) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts.fail(accountKey(account), now)
	l.addresses.fail(addressKey(addr), now)
}

// Success records a successful login: the account's failures are
// forgotten and the address's reserved attempt is refunded. The address
// keeps its failures, so one known password does not reset guessing
// against other accounts.
func (l *LoginLimiter) Success(account, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts.forget(accountKey(account))
	l.addresses.refund(addressKey(addr))
}

func accountKey(account string) string { return strings.ToLower(account) }

// addressKey normalises addr to an IP, or its /64 network for IPv6.
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil {
			return addr
		}
		ip = ap.Addr()
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// window tracks attempt times per key in a sliding window, with LRU
// eviction. An entry's times hold failures and reserved (pending)
// attempts; both count against the limit.
type window struct {
	limit   int
	span    time.Duration
	max     int
	order   *list.List // of *entry, most recently touched at the front
	entries map[string]*list.Element
}

type entry struct {
	key     string
	times   []time.Time // oldest first, at most limit
	pending int         // how many of times are reserved, unsettled attempts
}

func newWindow(limit int, span time.Duration, maxEntries int) *window {
	return &window{limit: limit, span: span, max: maxEntries, order: list.New(), entries: map[string]*list.Element{}}
}

// wait returns how long key must wait before its next attempt (0: none).
func (w *window) wait(key string, now time.Time) time.Duration {
	el, ok := w.entries[key]
	if !ok {
		return 0
	}
	e := el.Value.(*entry)
	e.prune(now, w.span)
	if len(e.times) == 0 {
		w.forget(key)
		return 0
	}
	if len(e.times) < w.limit {
		return 0
	}
	return e.times[0].Add(w.span).Sub(now)
}

// reserve counts a pending attempt for key at now.
func (w *window) reserve(key string, now time.Time) {
	e := w.touch(key, now)
	e.add(now, w.limit)
	e.pending++
}

// fail settles a pending attempt of key as a failure, or adds a failure.
func (w *window) fail(key string, now time.Time) {
	e := w.touch(key, now)
	if e.pending > 0 {
		e.pending--
		return
	}
	e.add(now, w.limit)
}

// refund removes a pending attempt of key, if any.
func (w *window) refund(key string) {
	el, ok := w.entries[key]
	if !ok {
		return
	}
	e := el.Value.(*entry)
	if e.pending > 0 && len(e.times) > 0 {
		e.pending--
		e.times = e.times[:len(e.times)-1]
	}
}

// touch returns key's entry, creating it (evicting the least recently
// touched entry when full) and moving it to the front.
func (w *window) touch(key string, now time.Time) *entry {
	el, ok := w.entries[key]
	if !ok {
		if len(w.entries) >= w.max {
			w.forget(w.order.Back().Value.(*entry).key)
		}
		el = w.order.PushFront(&entry{key: key})
		w.entries[key] = el
	}
	w.order.MoveToFront(el)
	e := el.Value.(*entry)
	e.prune(now, w.span)
	return e
}

func (w *window) forget(key string) {
	if el, ok := w.entries[key]; ok {
		w.order.Remove(el)
		delete(w.entries, key)
	}
}

// add appends now, dropping the oldest time when the entry is full.
func (e *entry) add(now time.Time, limit int) {
	if len(e.times) == limit {
		e.times = e.times[1:]
	}
	e.times = append(e.times, now)
}

// prune drops times that have left the window ending at now.
func (e *entry) prune(now time.Time, span time.Duration) {
	i := 0
	for i < len(e.times) && !now.Before(e.times[i].Add(span)) {
		i++
	}
	e.times = e.times[i:]
	e.pending = min(e.pending, len(e.times))
}
