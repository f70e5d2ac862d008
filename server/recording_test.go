package server

import (
	"net/http"
	"testing"
)

// TestRecordingSwitch: the organizer turns recording off (and on) while the agreement is a
// draft or scheduled, each change audited once and shown to invitation holders; once the
// ceremony is live the switch is refused; a missing or non-boolean "enabled" is refused.
func TestRecordingSwitch(t *testing.T) {
	e := newEnv(t)
	f := smallAgreement(e)
	tok := e.tokens["owner"]
	path := "/api/agreements/" + f.id + "/recording"
	if r := e.do("PUT", path, tok, map[string]any{}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("no enabled: %d %s, want 422", r.status, r.raw)
	}
	if r := e.do("PUT", path, tok, map[string]any{"enabled": "no"}); r.status < 400 || r.status >= 500 {
		t.Fatalf("enabled as a string: %d %s, want a 4xx", r.status, r.raw)
	}
	steps := []struct {
		enabled bool
		want    bool
	}{{false, false}, {false, false}, {true, true}, {false, false}}
	for _, st := range steps {
		r := e.must(e.do("PUT", path, tok, map[string]any{"enabled": st.enabled}), http.StatusOK)
		if got := r.body["agreement"].(map[string]any)["recording"]; got != st.want {
			t.Fatalf("recording = %v after enabled %v, want %v", got, st.enabled, st.want)
		}
	}
	join := e.must(e.do("GET", "/api/join", f.joinToken, nil), http.StatusOK)
	if got := join.body["agreement"].(map[string]any)["recording"]; got != false {
		t.Errorf("the lobby sees recording %v, want false", got)
	}
	e.must(e.do("POST", "/api/agreements/"+f.id+"/start", tok, nil), http.StatusOK)
	if r := e.do("PUT", path, tok, map[string]any{"enabled": true}); r.status != http.StatusConflict || r.errCode() != "wrong_state" {
		t.Fatalf("switch while live: %d %s, want 409 wrong_state", r.status, r.raw)
	}
	_, evs := recorded(e, f.id)
	if off, on := countEvents(evs, "recording.disabled"), countEvents(evs, "recording.enabled"); off != 2 || on != 1 {
		t.Errorf("%d recording.disabled and %d recording.enabled events, want 2 and 1", off, on)
	}
}
