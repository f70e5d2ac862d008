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

func TestHostOpensSigning(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 2, "sequential")
	host := hostOf(e, f)
	steps := []struct {
		name, token string
		want        int
		wantState   string
	}{
		{"a signatory may not", f.signers[0].token, http.StatusForbidden, "live"},
		{"a witness may not", f.witness.token, http.StatusForbidden, "live"},
		{"no token", "", http.StatusUnauthorized, "live"},
		{"the host opens signing", f.tokens[host], http.StatusOK, "signing"},
		{"the host cannot open it twice", f.tokens[host], http.StatusConflict, "signing"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do("POST", "/api/join/open-signing", st.token, nil)
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
		if ev := v.(map[string]any); ev["type"] == "agreement.signing" {
			actors = append(actors, ev["actor"])
		}
	}
	if len(actors) != 1 || actors[0] != "participant:"+host {
		t.Errorf("agreement.signing audit actors = %v, want exactly [participant:%s]", actors, host)
	}
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
	host := hostOf(e, f)
	steps := []struct {
		name, token string
		want        int
		wantState   string
	}{
		{"a signatory may not", f.signers[0].token, http.StatusForbidden, "scheduled"},
		{"a witness may not", f.witness.token, http.StatusForbidden, "scheduled"},
		{"no token", "", http.StatusUnauthorized, "scheduled"},
		{"the host starts it", f.tokens[host], http.StatusOK, "live"},
		{"the host cannot start it twice", f.tokens[host], http.StatusConflict, "live"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := e.do("POST", "/api/join/start", st.token, nil)
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
		if ev := v.(map[string]any); ev["type"] == "agreement.live" {
			actors = append(actors, ev["actor"])
		}
	}
	if len(actors) != 1 || actors[0] != "participant:"+host {
		t.Errorf("agreement.live audit actors = %v, want exactly [participant:%s]", actors, host)
	}
}
