package server

import (
	"net/http"
	"sync"
	"testing"

	"github.com/signroom/signroom/signatures"
)

// TestConcurrentSigners: in a parallel ceremony all signatories sign at once, each with a
// nonce taken before any signature moved the audit head, and one of them also submits a
// second signature at the same moment. Every signatory is recorded exactly once, the
// agreement seals once and the bundle verifies (each signature names a head in the chain).
func TestConcurrentSigners(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 3, "parallel")
	for _, s := range f.signers {
		e.must(f.register(e, s), http.StatusCreated)
	}
	f.openSigning(e)
	type attempt struct {
		s  *signer
		st signatures.Statement
	}
	var attempts []attempt
	for _, s := range f.signers {
		attempts = append(attempts, attempt{s, f.nonce(e, s)})
	}
	attempts = append(attempts, attempt{f.signers[0], f.nonce(e, f.signers[0])})
	statuses := make([]int, len(attempts))
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = f.signWith(e, a.s, a.s.key, a.st, nil).status
		}()
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		if st == http.StatusCreated {
			created++
		} else if st != http.StatusConflict {
			t.Errorf("status %d, want 201 or 409", st)
		}
	}
	if created != 3 {
		t.Fatalf("%d signatures accepted (%v), want 3", created, statuses)
	}
	e.must(f.closeCeremony(e), http.StatusOK)
	sigs, evs := recorded(e, f.id)
	if len(sigs) != 3 || countEvents(evs, "agreement.sealed") != 1 {
		t.Fatalf("%d signatures, %d agreement.sealed events; want 3 and 1", len(sigs), countEvents(evs, "agreement.sealed"))
	}
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	verifyJWSGeneric(t, bundle, 3)
	e.verifyBundle(bundle)
}
