package server

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signatures"
)

// TestConcurrentSigners: in a parallel ceremony all signatories sign at once, each with a
// nonce taken before any signature moved the audit head, and one of them also submits a
// second signature at the same moment. Those whose nonce went stale (409 nonce_stale) sign
// again with a fresh one, as the browser does. Every signatory is recorded exactly once,
// each signature's chain head covers every signature recorded before it, the agreement
// seals once and the bundle verifies.
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
			st := a.st
			for range 5 {
				r := f.signWith(e, a.s, a.s.key, st, nil)
				statuses[i] = r.status
				if r.errCode() != "nonce_stale" {
					return
				}
				st = f.nonce(e, a.s)
			}
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
	checkHeadsCoverEarlierSignatures(t, e, sigs, evs)
	if len(sigs) != 3 || countEvents(evs, "agreement.sealed") != 1 {
		t.Fatalf("%d signatures, %d agreement.sealed events; want 3 and 1", len(sigs), countEvents(evs, "agreement.sealed"))
	}
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	verifyJWSGeneric(t, bundle, 3)
	e.verifyBundle(bundle)
}

// checkHeadsCoverEarlierSignatures fails unless each recorded signature's chain_head is at or
// after the signature.added event of every signature recorded before it.
func checkHeadsCoverEarlierSignatures(t *testing.T, e *env, sigs []agreement.Signature, evs []signatures.Event) {
	t.Helper()
	pos := map[string]int{}
	for i, ev := range evs {
		pos[ev.Hash] = i
	}
	lastSig := -1
	for i, ev := range evs {
		if ev.Type != "signature.added" {
			continue
		}
		var data struct {
			Participant string `json:"participant"`
			ChainHead   string `json:"chain_head"`
		}
		if err := json.Unmarshal(ev.Data, &data); err != nil {
			t.Fatal(err)
		}
		head, ok := pos[data.ChainHead]
		if data.ChainHead == signatures.GenesisPrev {
			head, ok = -1, true
		}
		if !ok || head < lastSig {
			t.Errorf("signature of %s anchors event %d (known %v), before the signature at event %d", data.Participant, head, ok, lastSig)
		}
		lastSig = i
	}
	if len(sigs) == 0 {
		t.Error("no signatures")
	}
}
