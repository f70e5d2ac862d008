package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/signroom/signroom/readyboard"
)

// TestReadinessBoard: nobody at first; a participant whose invitation page asked is in the
// lobby; one in the hub's roster is in the room with their devices and connection; a signer's
// registered key shows.
func TestReadinessBoard(t *testing.T) {
	var roster []readyboard.Presence
	e := newEnv(t, func(c *Config) {
		c.Roster = func(string) []readyboard.Presence { return roster }
	})
	m := buildMOU(e, "parallel")
	tok := e.tokens["owner"]
	base := "/api/agreements/" + m.id
	r := e.must(e.do("POST", base+"/schedule", tok, nil), http.StatusOK)
	tokens := map[string]string{}
	for _, v := range r.body["invitations"].([]any) {
		inv := v.(map[string]any)
		tokens[inv["participant_id"].(string)] = inv["token"].(string)
	}
	host, signer := m.participants[0], m.participants[1]

	where := func() map[string]map[string]any {
		b := e.must(e.do("GET", base+"/readiness", tok, nil), http.StatusOK)
		out := map[string]map[string]any{}
		for _, p := range b.body["participants"].([]any) {
			pm := p.(map[string]any)
			out[pm["participant_id"].(string)] = pm
		}
		return out
	}
	before := where()
	if len(before) != len(m.participants) {
		t.Fatalf("board lists %d participants, want %d", len(before), len(m.participants))
	}
	for pid, p := range before {
		if p["where"] != readyboard.WhereAbsent {
			t.Errorf("%s is %v before anyone opened a link, want absent", pid, p["where"])
		}
	}
	if got := before[signer]["key_registered"]; got != false {
		t.Errorf("signer key_registered = %v, want false", got)
	}
	if _, ok := before[host]["key_registered"]; ok {
		t.Errorf("the host, who does not sign, has key_registered")
	}

	e.must(e.do("GET", "/api/join", tokens[signer], nil), http.StatusOK)
	s := newSigner(t, signer, tokens[signer])
	e.must(e.do("POST", "/api/join/key", s.token, map[string]any{"jwk": s.jwk(t)}), http.StatusCreated)
	roster = []readyboard.Presence{{ParticipantID: host, JoinedAt: time.Now(), Sources: []string{"microphone", "camera"},
		Muted: map[string]bool{"microphone": true}, RTT: 30 * time.Millisecond}}
	after := where()
	if got := after[signer]; got["where"] != readyboard.WhereLobby || got["key_registered"] != true {
		t.Errorf("signer after opening the link and registering a key: %v, want lobby and key registered", got)
	}
	want := map[string]any{"where": "room", "camera": "on", "microphone": "off", "connection": "good"}
	for k, v := range want {
		if after[host][k] != v {
			t.Errorf("host %s = %v, want %v", k, after[host][k], v)
		}
	}
}
