package server

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/signroom/signroom/auth"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("POST", "/api/login", "", map[string]string{"username": "owner", "password": "correct horse battery owner"}), http.StatusOK)
	tok := r.str("access_token")
	if tok == "" || r.str("token_type") != "Bearer" {
		t.Fatalf("login response = %s", r.raw)
	}
	me := e.must(e.do("GET", "/api/me", tok, nil), http.StatusOK)
	if me.str("username") != "owner" {
		t.Fatalf("me = %s, want owner", me.raw)
	}
	if _, ok := me.body["password_hash"]; ok {
		t.Fatal("the password hash is shown")
	}
	// Unknown user, wrong password and disabled account get the same answer.
	e.must(e.do("PATCH", "/api/users/"+e.users["other"].ID, e.tokens["admin"], map[string]any{"disabled": true}), http.StatusOK)
	var msgs []string
	for _, c := range []struct{ user, pw string }{
		{"nobody", "whatever password"}, {"owner", "wrong password!!"}, {"other", "correct horse battery other"},
	} {
		r := e.must(e.do("POST", "/api/login", "", map[string]string{"username": c.user, "password": c.pw}), http.StatusUnauthorized)
		msgs = append(msgs, r.errMessage())
	}
	if msgs[0] != msgs[1] || msgs[1] != msgs[2] {
		t.Fatalf("login failures differ: %q", msgs)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Limiter = auth.NewLoginLimiter(auth.LimiterConfig{AccountFailures: 3, AddressFailures: 5, Window: time.Minute})
	})
	login := func(user, pw string) response {
		return e.do("POST", "/api/login", "", map[string]string{"username": user, "password": pw})
	}
	for _, name := range []string{"legal", "LEGAL", "Legal"} { // one account, however it is spelled
		e.must(login(name, "wrong password!!"), http.StatusUnauthorized)
	}
	// The account is locked even for the right password; Retry-After says for how long.
	r := e.must(login("legal", "correct horse battery legal"), http.StatusTooManyRequests)
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After = %q, want 1..60 seconds", r.header.Get("Retry-After"))
	}
	// Another account from the same address still works until the address limit.
	e.must(login("owner", "correct horse battery owner"), http.StatusOK)
	e.must(login("owner", "wrong password!!"), http.StatusUnauthorized)
	e.must(login("archivist", "wrong password!!"), http.StatusUnauthorized)
	e.must(login("admin", "correct horse battery admin"), http.StatusTooManyRequests)
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("GET", "/.well-known/jwks.json", "", nil), http.StatusOK)
	if string(r.raw) != string(e.keys.JWKS()) {
		t.Fatalf("jwks = %s, want the key ring's", r.raw)
	}
}

func TestUserAdministration(t *testing.T) {
	e := newEnv(t)
	admin := e.tokens["admin"]
	r := e.must(e.do("POST", "/api/users", admin, map[string]any{"username": "kim", "display_name": "김 주무관",
		"password": "a long passphrase", "roles": []string{"organizer", "legal"}}), http.StatusCreated)
	id := r.str("id")
	e.must(e.do("POST", "/api/login", "", map[string]string{"username": "kim", "password": "a long passphrase"}), http.StatusOK)
	e.must(e.do("PATCH", "/api/users/"+id, admin, map[string]any{"roles": []string{"archivist"}}), http.StatusOK)
	l := e.must(e.do("GET", "/api/users", admin, nil), http.StatusOK)
	if n := len(l.body["users"].([]any)); n != 6 {
		t.Fatalf("users = %d, want 6", n)
	}
	e.must(e.do("PATCH", "/api/users/"+e.users["admin"].ID, admin, map[string]any{"disabled": true}), http.StatusConflict)
	e.must(e.do("PATCH", "/api/users/"+e.users["admin"].ID, admin, map[string]any{"roles": []string{"legal"}}), http.StatusConflict)
	e.must(e.do("PATCH", "/api/users/nobody", admin, map[string]any{"disabled": true}), http.StatusNotFound)
	// Roles are read from the account on every request: the demoted user's old token
	// no longer creates agreements.
	u := e.addUser("lee", auth.RoleOrganizer)
	e.must(e.do("PATCH", "/api/users/"+u.ID, admin, map[string]any{"roles": []string{"legal"}}), http.StatusOK)
	e.must(e.do("POST", "/api/agreements", e.tokens["lee"], map[string]any{"title": map[string]string{"en": "x"}}), http.StatusForbidden)
}
