package server

import (
	"net/http"
	"testing"
	"time"

	"github.com/signroom/signroom/auth"
)

// TestInvitationRefusalsSayWhy opens invitation links that no longer work, as a participant
// would, against the real server: each case gets its own code (and the page its own text),
// where every one of them used to be the same "invalid invitation".
func TestInvitationRefusalsSayWhy(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 3, "parallel")
	base := "/api/agreements/" + f.id
	s0, s1, s2 := f.signers[0], f.signers[1], f.signers[2]

	e.must(e.do("POST", base+"/invitations/"+s0.pid+"/reissue", f.owner, nil), http.StatusOK)
	e.must(e.do("POST", base+"/invitations/"+s1.pid+"/revoke", f.owner, nil), http.StatusOK)
	past := auth.NewIssuer(e.keys, testIssuer, func() time.Time { return time.Now().Add(-3 * time.Hour) })
	expired, _, err := past.IssueJoin(auth.JoinClaims{Participant: s2.pid, Agreement: f.id, Role: "signatory"}, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	// A second ceremony, signed and closed: a link revoked before the seal now meets a sealed
	// record (links still valid show it and give the copy, see TestSigningFlow).
	g := buildCeremony(e, 1, "parallel")
	e.must(g.register(e, g.signers[0]), http.StatusCreated)
	g.openSigning(e)
	e.must(g.sign(e, g.signers[0], nil), http.StatusCreated)
	e.must(e.do("POST", "/api/agreements/"+g.id+"/invitations/"+g.witness.pid+"/revoke", g.owner, nil), http.StatusOK)
	e.must(g.closeCeremony(e), http.StatusOK)

	cases := []struct{ name, token, code string }{
		{"reissued", s0.token, "invitation_reissued"},
		{"revoked", s1.token, "invitation_revoked"},
		{"expired", expired, "invitation_expired"},
		{"truncated", s2.token[:len(s2.token)-12], "invitation_damaged"},
		{"cut at a dot", s2.token[:len(s2.token)-44], "invitation_damaged"},
		{"revoked, then sealed", g.witness.token, "invitation_sealed"},
	}
	for _, c := range cases {
		r := e.do("GET", "/api/join", c.token, nil)
		if r.status != http.StatusUnauthorized || r.errCode() != c.code {
			t.Errorf("%s link: %d %s, want 401 %s", c.name, r.status, r.raw, c.code)
		}
	}
	e.must(e.do("GET", "/api/join", s2.token, nil), http.StatusOK) // the untouched link still works
}
