package server

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signroom/signroom/auth"
)

// TestStringDatesRefused is issue 8 item 14 (exp as a JSON string) through the real server:
// a staff token signed with the service's own key whose exp, nbf or iat is a quoted number
// is refused; the same token with numbers is accepted.
func TestStringDatesRefused(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	sign := func(mod func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": testIssuer, "sub": e.users["owner"].ID, "aud": auth.AudienceAPI, "jti": "x1",
			"roles": []string{auth.RoleOrganizer}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		mod(c)
		tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
		tok.Header["kid"], tok.Header["typ"] = e.keys.ActiveKID(), auth.TypeStaff
		s, err := tok.SignedString(testKey(1))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	e.must(e.do("GET", "/api/me", sign(func(jwt.MapClaims) {}), nil), http.StatusOK)
	for _, claim := range []string{"exp", "nbf", "iat"} {
		tok := sign(func(c jwt.MapClaims) { c[claim] = strconv.FormatInt(c[claim].(int64), 10) })
		if r := e.do("GET", "/api/me", tok, nil); r.status != http.StatusUnauthorized {
			t.Errorf("%s as a JSON string: %d %s, want 401", claim, r.status, r.raw)
		}
	}
}
