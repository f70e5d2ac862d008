package server

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAccountRules is issue 8 item 14 (passwords and usernames) through the real server:
// passwords of spaces, equal to the username or of few different characters are refused;
// usernames the CLI refuses are refused by the API too (one rule).
func TestAccountRules(t *testing.T) {
	e := newEnv(t)
	create := func(username, password string) response {
		return e.do("POST", "/api/users", e.tokens["admin"], map[string]any{"username": username, "password": password, "roles": []string{"legal"}})
	}
	for name, c := range map[string]struct{ user, pw, field string }{
		"12 spaces":            {"lee.legal", strings.Repeat(" ", 12), "password"},
		"equal to username":    {"lee.legal.office", "lee.legal.office", "password"},
		"username, other case": {"kim.minjun.legal", "KIM.MINJUN.LEGAL", "password"},
		"one character":        {"park.legal", "aaaaaaaaaaaaaaaa", "password"},
		"common":               {"choi.legal", "password1234", "password"},
		"username with space":  {"lee legal", "a strong horse battery", "username"},
		"username with markup": {"<b>lee</b>", "a strong horse battery", "username"},
		"username too short":   {"le", "a strong horse battery", "username"},
		"username with colon":  {"lee:legal", "a strong horse battery", "username"},
	} {
		t.Run(name, func(t *testing.T) {
			r := create(c.user, c.pw)
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.raw), `"field":"`+c.field+`"`) {
				t.Fatalf("create %q / %q: %d %s; want 422 naming %s", c.user, c.pw, r.status, r.raw, c.field)
			}
		})
	}
	id := e.must(create("lee.legal", "a strong horse battery"), http.StatusCreated).str("id")
	r := e.do("PATCH", "/api/users/"+id, e.tokens["admin"], map[string]any{"password": "LEE.LEGAL"})
	if r.status != http.StatusUnprocessableEntity {
		t.Errorf("password changed to the username: %d %s, want 422", r.status, r.raw)
	}
}

// TestScheduleCapped is issue 8 item 14 (scheduled_at in year 9999): a plan more than two
// years ahead is refused, so no invitation outlives that by more than two days.
func TestScheduleCapped(t *testing.T) {
	e := newEnv(t)
	f := draftAgreement(e)
	r := e.do("PATCH", "/api/agreements/"+f.id, e.tokens["owner"], map[string]any{"scheduled_at": "9999-12-31T00:00:00Z"})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.raw), "scheduled_at") {
		t.Fatalf("scheduled_at 9999: %d %s, want 422", r.status, r.raw)
	}
	soon := time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)
	e.must(e.do("PATCH", "/api/agreements/"+f.id, e.tokens["owner"], map[string]any{"scheduled_at": soon}), http.StatusOK)
	sched := e.must(e.do("POST", "/api/agreements/"+f.id+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	for _, v := range sched.body["invitations"].([]any) {
		exp, _ := time.Parse(time.RFC3339, v.(map[string]any)["expires_at"].(string))
		if exp.After(time.Now().Add(MaxScheduleAhead + 48*time.Hour)) {
			t.Errorf("invitation valid until %v", exp)
		}
	}
}
