package server

import (
	"net/http"
	"testing"

	"github.com/signroom/signroom/signatures"
)

// TestRefusedNonceCannotAnchorAStaleHead is issue 9's finding through the real server: in a
// sequential ceremony the second signatory's attempt is refused out of order; the first
// signs; the second then re-sends the very same signed request (same nonce, same chain
// head, which predates the first signature). It must be refused as stale, never accepted
// with a head two signatures old, and a fresh nonce then signs with a head that covers the
// first signature.
func TestRefusedNonceCannotAnchorAStaleHead(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 3, "sequential")
	s1, s2 := f.signers[0], f.signers[1]
	e.must(f.register(e, s1), http.StatusCreated)
	e.must(f.register(e, s2), http.StatusCreated)
	f.openSigning(e)

	var early map[string]any
	var earlyHead string
	r := f.sign(e, s2, func(st *signatures.Statement, b map[string]any) { early, earlyHead = b, st.ChainHead })
	if r.status != http.StatusConflict || r.errCode() != "out_of_order" {
		t.Fatalf("second signatory first: %d %s, want 409 out_of_order", r.status, r.raw)
	}
	e.must(f.sign(e, s1, nil), http.StatusCreated)

	r = e.do("POST", "/api/join/signature", s2.token, early)
	if r.status != http.StatusConflict || r.errCode() != "nonce_stale" {
		t.Fatalf("the refused request re-sent after another signature: %d %s, want 409 nonce_stale", r.status, r.raw)
	}

	var head string
	e.must(f.sign(e, s2, func(st *signatures.Statement, _ map[string]any) { head = st.ChainHead }), http.StatusCreated)
	sigs, evs := recorded(e, f.id)
	if len(sigs) != 2 {
		t.Fatalf("%d signatures recorded, want 2", len(sigs))
	}
	first := -1
	for i, ev := range evs {
		if ev.Type == "signature.added" && first < 0 {
			first = i
		}
	}
	at := -1
	for i, ev := range evs {
		if ev.Hash == head {
			at = i
		}
	}
	if head == earlyHead || at < first {
		t.Fatalf("second signature anchors event %d, the first signature is event %d: its head does not cover it", at, first)
	}
}

// TestUnusedNonceGoesStale: a nonce issued before another participant's signature and sent
// only afterwards is refused, though it was never used and has not expired.
func TestUnusedNonceGoesStale(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 2, "parallel")
	s1, s2 := f.signers[0], f.signers[1]
	e.must(f.register(e, s1), http.StatusCreated)
	e.must(f.register(e, s2), http.StatusCreated)
	f.openSigning(e)
	old := f.nonce(e, s2)
	e.must(f.sign(e, s1, nil), http.StatusCreated)
	if r := f.signWith(e, s2, s2.key, old, nil); r.status != http.StatusConflict || r.errCode() != "nonce_stale" {
		t.Fatalf("nonce from before the first signature: %d %s, want 409 nonce_stale", r.status, r.raw)
	}
	e.must(f.sign(e, s2, nil), http.StatusCreated)
}
