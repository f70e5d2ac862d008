package server

import (
	"net/http"
	"testing"
)

// TestJoinShowsSignaturesSoFar: a page that (re)loads mid-ceremony learns from GET /api/join
// who has signed, in order, with the count of signatories still to sign.
func TestJoinShowsSignaturesSoFar(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f := buildCeremony(e, 3, "sequential")
	for _, s := range append(f.signers, f.witness) {
		e.must(f.register(e, s), http.StatusCreated)
	}
	f.openSigning(e)
	sigsOf := func(token string) []any {
		t.Helper()
		r := e.must(e.do("GET", "/api/join", token, nil), http.StatusOK)
		list, ok := r.body["signatures"].([]any)
		if !ok {
			t.Fatalf("GET /api/join has no signatures list: %s", r.raw)
		}
		return list
	}
	if got := sigsOf(f.signers[2].token); len(got) != 0 {
		t.Fatalf("signatures before anyone signed = %v, want none", got)
	}
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.sign(e, f.witness, nil), http.StatusCreated)
	got := sigsOf(f.signers[2].token)
	if len(got) != 2 {
		t.Fatalf("signatures after two = %d, want 2", len(got))
	}
	first, second := got[0].(map[string]any), got[1].(map[string]any)
	if first["participant_id"] != f.signers[0].pid || first["remaining"] != float64(2) || first["thumbprint"] != f.signers[0].jwk(t).Thumbprint() || first["party_name"] == "" {
		t.Fatalf("first signature = %v, want signer 1 with 2 remaining and its thumbprint", first)
	}
	if second["participant_id"] != f.witness.pid || second["role"] != "witness" || second["remaining"] != float64(2) {
		t.Fatalf("second signature = %v, want the witness with 2 signatories remaining", second)
	}
}
