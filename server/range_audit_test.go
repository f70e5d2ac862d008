package server

import (
	"context"
	"net/http"
	"testing"
)

// TestRangedDownloadsAudited is issue 8 item 6 through the real server: a download with a
// Range header (bytes=0- sends the whole file) is audited like any other, with its range; a
// HEAD, which sends no bytes, is not. Documents (staff and invitation routes) and the
// sealed evidence alike.
func TestRangedDownloadsAudited(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 1, "parallel")
	a, _ := e.db.Agreement(context.Background(), f.id)
	doc := "/api/agreements/" + f.id + "/documents/" + a.Documents[0].ID
	count := func(typ string) int {
		_, evs := recorded(e, f.id)
		return countEvents(evs, typ)
	}
	cases := []struct{ path, token, typ string }{
		{"/api/join/documents/" + a.Documents[0].ID, f.signers[0].token, "document.downloaded"},
		{doc, f.owner, "document.downloaded"},
		{"/api/agreements/" + f.id + "/evidence", f.owner, "evidence.downloaded"},
		{"/api/agreements/" + f.id + "/sealed.pdf", f.owner, "evidence.downloaded"},
	}
	for i, c := range cases {
		if i == 1 { // the invitation's download done: sign and close, which seals (and revokes the invitation)
			e.must(f.register(e, f.signers[0]), http.StatusCreated)
			f.openSigning(e)
			e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
			e.must(f.closeCeremony(e), http.StatusOK)
		}
		before := count(c.typ)
		r := e.do("GET", c.path, c.token, nil, "Range", "bytes=0-")
		if r.status != http.StatusPartialContent {
			t.Fatalf("GET %s Range bytes=0-: %d %.200s", c.path, r.status, r.raw)
		}
		e.do("GET", c.path, c.token, nil, "Range", "bytes=10-19")
		e.do("HEAD", c.path, c.token, nil)
		if got := count(c.typ) - before; got != 2 {
			t.Errorf("%s: %d %s events for two ranged GETs and a HEAD, want 2", c.path, got, c.typ)
		}
	}
}
