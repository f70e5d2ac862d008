package server

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/signroom/signroom/sealing"
)

// TestHostClosesCeremony: the last signature leaves the ceremony in signing; only the
// host's invitation closes it (not a signatory's, not before every signatory signed);
// closing records one "ceremony.closed" by the host, tells the room and seals.
func TestHostClosesCeremony(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f := buildCeremony(e, 2, "parallel")
	host := hostOf(e, f)
	for _, s := range f.signers {
		e.must(f.register(e, s), http.StatusCreated)
	}
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	if r := e.do("POST", "/api/join/close", f.tokens[host], nil); r.status != http.StatusConflict || r.errCode() != "signatures_missing" {
		t.Fatalf("close before every signature: %d %s, want 409 signatures_missing", r.status, r.raw)
	}
	e.must(f.sign(e, f.signers[1], nil), http.StatusCreated)
	if r := e.do("POST", "/api/join/close", f.signers[0].token, nil); r.status != http.StatusForbidden {
		t.Fatalf("a signatory closes: %d %s, want 403", r.status, r.raw)
	}
	if a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK); a.body["state"] != "signing" {
		t.Fatalf("state after every signature = %v, want signing", a.body["state"])
	}
	r := e.must(e.do("POST", "/api/join/close", f.tokens[host], nil), http.StatusOK)
	if r.body["agreement"].(map[string]any)["state"] != "sealed" {
		t.Fatalf("close did not seal: %s", r.raw)
	}
	_, evs := recorded(e, f.id)
	var closes []string
	for _, ev := range evs {
		if ev.Type == "ceremony.closed" {
			closes = append(closes, ev.Actor)
		}
	}
	if len(closes) != 1 || closes[0] != "participant:"+host {
		t.Errorf("ceremony.closed actors = %v, want [participant:%s]", closes, host)
	}
	var order []string
	for _, ev := range e.hub.sent() {
		if n, ok := ev.(interface{ EventName() string }); ok && n.EventName() != "signature.added" {
			order = append(order, n.EventName())
		}
	}
	for len(order) > 0 && order[0] == "agreement.state" { // scheduled, live, signing
		order = order[1:]
	}
	want := []string{"signatures.complete", "ceremony.closed", "agreement.sealed", "agreement.state"}
	if len(order) != len(want) {
		t.Fatalf("ceremony events %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("ceremony events %v, want %v", order, want)
		}
	}
	e.must(e.do("POST", "/api/join/close", f.tokens[host], nil), http.StatusConflict) // sealed: closed once, for good
}

// TestAutoClose: a ceremony whose signatures are all in closes by itself, with the reason
// in its "ceremony.closed" event, when its room stays empty for EmptyFor (not while someone
// is in it), or AfterLast after its last signature although people are still in the room.
func TestAutoClose(t *testing.T) {
	cases := []struct {
		name   string
		auto   sealing.Auto
		leave  bool
		reason string
	}{
		{"room empty", sealing.Auto{EmptyFor: 300 * time.Millisecond}, true, sealing.ReasonEmpty},
		{"after the last signature", sealing.Auto{EmptyFor: time.Hour, AfterLast: 500 * time.Millisecond}, false, sealing.ReasonTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stores := localStores(t)
			e := newEnv(t, withStores(stores.Working, stores.Archive))
			f := buildCeremony(e, 1, "parallel")
			e.must(f.register(e, f.signers[0]), http.StatusCreated)
			f.openSigning(e)
			e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			c.auto.Presence, c.auto.Interval = e.hub, 50*time.Millisecond
			go func() { defer close(done); e.api.Sealing().AutoClose(ctx, c.auto) }()
			defer func() { cancel(); <-done }()
			if c.leave {
				time.Sleep(3 * c.auto.EmptyFor) // someone is still in the room: no close
				if st := stateOf(e, f); st != "signing" {
					t.Fatalf("closed with people in the room: state %s", st)
				}
				a, _ := e.db.Agreement(ctx, f.id)
				for _, p := range a.Participants {
					e.hub.connect(f.id, p.ID, false)
				}
			}
			waitSealed(t, e, f)
			_, evs := recorded(e, f.id)
			for _, ev := range evs {
				if ev.Type == "ceremony.closed" && !strings.Contains(string(ev.Data), `"reason":"`+c.reason+`"`) {
					t.Errorf("ceremony.closed data %s, want reason %s", ev.Data, c.reason)
				}
			}
			if n := countEvents(evs, "ceremony.closed"); n != 1 {
				t.Errorf("%d ceremony.closed events, want 1", n)
			}
		})
	}
}

// waitSealed waits up to 20 s for the agreement to be sealed.
func waitSealed(t *testing.T, e *env, f *ceremonyFixture) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for stateOf(e, f) != "sealed" {
		if time.Now().After(deadline) {
			t.Fatal("not closed and sealed within 20 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stateOf(e *env, f *ceremonyFixture) string {
	a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK)
	s, _ := a.body["state"].(string)
	return s
}

// slowRecordings is a recorder whose uploads finish only when told (the store was down).
type slowRecordings struct {
	ready    chan struct{}
	finished atomic.Int32
}

func (s *slowRecordings) Finish(ctx context.Context, agreementID string) error {
	select {
	case <-s.ready:
		s.finished.Add(1)
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestCloseWaitsForRecordings: while the recordings cannot be uploaded the host's close
// answers 503 recordings_pending and leaves the agreement in signing, closed once (one
// ceremony.closed); when the uploads get through the automatic close seals it without a
// second close event.
func TestCloseWaitsForRecordings(t *testing.T) {
	stores := localStores(t)
	recs := &slowRecordings{ready: make(chan struct{})}
	e := newEnv(t, withStores(stores.Working, stores.Archive), func(c *Config) {
		c.Recordings, c.RecordingWait = recs, 200*time.Millisecond
	})
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	if r := e.do("POST", "/api/join/close", f.tokens[hostOf(e, f)], nil); r.status != http.StatusServiceUnavailable || r.errCode() != "recordings_pending" {
		t.Fatalf("close while uploads fail: %d %s, want 503 recordings_pending", r.status, r.raw)
	}
	if st := stateOf(e, f); st != "signing" {
		t.Fatalf("state %s, want signing until the recordings are in", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.api.Sealing().AutoClose(ctx, sealing.Auto{Presence: e.hub, EmptyFor: time.Hour, Interval: 50 * time.Millisecond})
	}()
	defer func() { cancel(); <-done }()
	time.Sleep(500 * time.Millisecond) // retried, still pending
	if st := stateOf(e, f); st != "signing" {
		t.Fatalf("state %s while the recordings are pending, want signing", st)
	}
	close(recs.ready)
	waitSealed(t, e, f)
	_, evs := recorded(e, f.id)
	if n := countEvents(evs, "ceremony.closed"); n != 1 {
		t.Errorf("%d ceremony.closed events, want 1", n)
	}
	if recs.finished.Load() == 0 {
		t.Error("sealed without finishing the recordings")
	}
}
