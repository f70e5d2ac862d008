package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeyRetirementLive is issue 8 item 5 against the real service: `signroom keys rotate`
// and `retire` run beside a running serve take effect within seconds, no restart: the new
// key signs new tokens, the retired key leaves the JWKS and its tokens are refused.
func TestKeyRetirementLive(t *testing.T) {
	m, base := startMain(t)
	org := organizer(t, base, m.Config.DataDir)
	oldKID := m.Keys.ActiveKID()
	me := func(token string) int {
		req, _ := http.NewRequest("GET", base+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if me(org.Token) != http.StatusOK {
		t.Fatal("the organizer's token does not work to begin with")
	}
	code, out, errs := runCmd(t, m.Config.DataDir, "", "keys", "rotate")
	if code != 0 || !strings.Contains(errs, "within 2 seconds") {
		t.Fatalf("keys rotate = %d %s %s", code, out, errs)
	}
	newKID := strings.TrimSpace(out)
	waitFor(t, 10*time.Second, "the running service to sign with the new key", func() bool { return m.Keys.ActiveKID() == newKID })
	if code, _, errs := runCmd(t, m.Config.DataDir, "", "keys", "retire", oldKID); code != 0 {
		t.Fatalf("keys retire = %d %s", code, errs)
	}
	waitFor(t, 10*time.Second, "the retired key to leave the JWKS", func() bool {
		_, jwks := get(t, base+"/.well-known/jwks.json")
		return !strings.Contains(jwks, oldKID) && strings.Contains(jwks, newKID)
	})
	if got := me(org.Token); got != http.StatusUnauthorized {
		t.Errorf("a token of the retired key answers %d, want 401", got)
	}
}
