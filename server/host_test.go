package server

import (
	"net/http"
	"testing"

	"github.com/signroom/signroom/internal/pdftest"
)

// hostOf returns the participant id of the agreement's host.
func hostOf(e *env, f *ceremonyFixture) string {
	e.t.Helper()
	a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK)
	for _, v := range a.body["participants"].([]any) {
		if p := v.(map[string]any); p["role"] == "host" {
			return p["id"].(string)
		}
	}
	e.t.Fatal("the fixture has no host")
	return ""
}

// hostOnlyStep checks a host action through the lobby API: a signatory's, a witness's and
// no invitation are refused without changing the state from before; the host's moves it
// to after, once (a second call conflicts); the audit event auditType names the host as its
// only actor.
func hostOnlyStep(t *testing.T, e *env, f *ceremonyFixture, path, before, after, auditType string) {
	t.Helper()
	host := hostOf(e, f)
	steps := []struct {
		name, token string
		want        int
		wantState   string
	}{
		{"a signatory may not", f.signers[0].token, http.StatusForbidden, before},
		{"a witness may not", f.witness.token, http.StatusForbidden, before},
		{"no token", "", http.StatusUnauthorized, before},
		{"the host may", f.tokens[host], http.StatusOK, after},
		{"the host cannot twice", f.tokens[host], http.StatusConflict, after},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do("POST", path, st.token, nil)
			if r.status != st.want {
				t.Fatalf("status = %d %s, want %d", r.status, r.raw, st.want)
			}
			a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK)
			if got := a.body["state"]; got != st.wantState {
				t.Errorf("state = %v, want %s", got, st.wantState)
			}
		})
	}
	audit := e.must(e.do("GET", "/api/agreements/"+f.id+"/audit", f.owner, nil), http.StatusOK)
	var actors []any
	for _, v := range audit.body["events"].([]any) {
		if ev := v.(map[string]any); ev["type"] == auditType {
			actors = append(actors, ev["actor"])
		}
	}
	if len(actors) != 1 || actors[0] != "participant:"+host {
		t.Errorf("%s audit actors = %v, want exactly [participant:%s]", auditType, actors, host)
	}
}

func TestHostOpensSigning(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 2, "sequential")
	hostOnlyStep(t, e, f, "/api/join/open-signing", "live", "signing", "agreement.signing")
	var states []string
	for _, ev := range e.hub.sent() {
		if se, ok := ev.(stateEvent); ok {
			states = append(states, se.From+"->"+se.State)
		}
	}
	if len(states) == 0 || states[len(states)-1] != "live->signing" {
		t.Errorf("ceremony state events = %v, want the last to be live->signing", states)
	}
}

// TestHostStartsTheCeremony: the host starts a scheduled ceremony from the lobby with their
// invitation; nobody else's invitation can, and it starts once.
func TestHostStartsTheCeremony(t *testing.T) {
	e := newEnv(t)
	f := scheduledCeremony(e, 2, "sequential", func(lang string) []byte { return pdftest.Minimal(1, "MOU "+lang) })
	hostOnlyStep(t, e, f, "/api/join/start", "scheduled", "live", "agreement.live")
}
