package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"

	"github.com/signroom/signroom/internal/pdftest"
)

var (
	everyone    = []string{"admin", "owner", "other", "legal", "archivist", "none", "join"}
	allStaff    = []string{"admin", "owner", "other", "legal", "archivist"}
	ownerOnly   = []string{"owner"}
	readerRoles = []string{"owner", "legal"} // archivists too, once sealed (TestArchivistReadsSealed)
)

// wantAllowed is the authorization policy written out by hand, route by route. A route missing
// here fails the test, so a new route needs a decision.
var wantAllowed = map[string][]string{
	"GET /healthz":               everyone,
	"GET /readyz":                everyone,
	"GET /metrics":               everyone,
	"GET /.well-known/jwks.json": everyone,
	"GET /.well-known/signroom/seal-certificates.json": everyone,
	"GET /api/openapi.yaml":                            everyone,
	"POST /api/login":                                  everyone,
	"POST /api/logout":                                 allStaff,
	"GET /api/me":                                      allStaff,

	"GET /api/users":                    {"admin"},
	"POST /api/users":                   {"admin"},
	"PATCH /api/users/{id}":             {"admin"},
	"GET /api/admin/token-keys":         {"admin"},
	"POST /api/admin/token-keys/rotate": {"admin"},
	"GET /api/agreements":               {"owner", "other", "legal", "archivist"},
	"POST /api/agreements":              {"owner", "other"},
	"GET /api/agreements/{id}":          readerRoles,
	"PATCH /api/agreements/{id}":        ownerOnly,

	"POST /api/agreements/{id}/parties":                                ownerOnly,
	"PUT /api/agreements/{id}/parties/{partyID}":                       ownerOnly,
	"DELETE /api/agreements/{id}/parties/{partyID}":                    ownerOnly,
	"POST /api/agreements/{id}/venues":                                 ownerOnly,
	"PUT /api/agreements/{id}/venues/{venueID}":                        ownerOnly,
	"DELETE /api/agreements/{id}/venues/{venueID}":                     ownerOnly,
	"POST /api/agreements/{id}/participants":                           ownerOnly,
	"PUT /api/agreements/{id}/participants/{participantID}":            ownerOnly,
	"DELETE /api/agreements/{id}/participants/{participantID}":         ownerOnly,
	"POST /api/agreements/{id}/documents":                              ownerOnly,
	"GET /api/agreements/{id}/documents/{docID}":                       readerRoles,
	"GET /api/agreements/{id}/documents/{docID}/pages":                 readerRoles,
	"GET /api/agreements/{id}/documents/{docID}/pages/{page}/image":    readerRoles,
	"GET /api/agreements/{id}/documents/{docID}/pages/{page}/thumb":    readerRoles,
	"GET /api/agreements/{id}/documents/{docID}/pages/{page}/text":     readerRoles,
	"DELETE /api/agreements/{id}/documents/{docID}":                    ownerOnly,
	"POST /api/agreements/{id}/schedule":                               ownerOnly,
	"POST /api/agreements/{id}/start":                                  ownerOnly,
	"POST /api/agreements/{id}/open-signing":                           ownerOnly,
	"POST /api/agreements/{id}/cancel":                                 ownerOnly,
	"GET /api/agreements/{id}/invitations":                             ownerOnly,
	"POST /api/agreements/{id}/invitations/{participantID}/revoke":     ownerOnly,
	"POST /api/agreements/{id}/invitations/{participantID}/reissue":    ownerOnly,
	"GET /api/agreements/{id}/audit":                                   readerRoles,
	"GET /api/agreements/{id}/readiness":                               readerRoles,
	"POST /api/agreements/{id}/participants/{participantID}/key/reset": ownerOnly,
	"POST /api/agreements/{id}/seal":                                   ownerOnly,
	"POST /api/agreements/{id}/close":                                  ownerOnly,
	"PUT /api/agreements/{id}/recording":                               ownerOnly,
	"GET /api/agreements/{id}/evidence":                                readerRoles,
	"GET /api/agreements/{id}/sealed.pdf":                              readerRoles,
	"GET /api/agreements/{id}/evidence/manifest.json.tsr":              readerRoles,
	"POST /api/verify":                                                 {"legal"},
	"GET /api/archive/search":                                          {"admin", "legal", "archivist"},
	// The matrix's agreement is not sealed: holds and disposal refuse it (409) after access.
	"POST /api/agreements/{id}/legal-hold":      {"admin", "archivist"},
	"POST /api/agreements/{id}/legal-hold/lift": {"admin", "archivist"},
	"DELETE /api/agreements/{id}/archive":       {"admin", "archivist"},
	"GET /api/agreements/{id}/fixity":           readerRoles,
	// Administrators read records once sealed (TestRecordPage); the matrix's is not.
	"GET /api/agreements/{id}/record":               readerRoles,
	"POST /api/agreements/{id}/recordings/playback": readerRoles,
	"GET /api/agreements/{id}/export":               readerRoles,
	// Media URLs carry their own signed token (TestPlaybackMediaURLs); without one, nobody.
	"GET /api/media/{id}/recordings/{recordingID}": {},

	"GET /api/join":                                      {"join"},
	"GET /api/join/documents/{docID}":                    {"join"},
	"GET /api/join/documents/{docID}/pages":              {"join"},
	"GET /api/join/documents/{docID}/pages/{page}/image": {"join"},
	"GET /api/join/documents/{docID}/pages/{page}/thumb": {"join"},
	"GET /api/join/documents/{docID}/pages/{page}/text":  {"join"},
	"GET /api/join/sealed-pdf":                           {"join"},
	"POST /api/join/key":                                 {"join"},
	"GET /api/join/statement":                            {"join"},
	"POST /api/join/nonce":                               {"join"},
	"POST /api/join/signature":                           {"join"},
	// The matrix's join token is a signatory's; the host's is TestHostOpensSigning's.
	"POST /api/join/start":        {},
	"POST /api/join/open-signing": {},
	"POST /api/join/close":        {},
}

// fixture is a small scheduled agreement of the owner with a join token for its signatory.
type fixture struct {
	id, party, venue, host, signer, doc, joinToken string
}

func smallAgreement(e *env) fixture {
	e.t.Helper()
	f := draftAgreement(e)
	r := e.must(e.do("POST", "/api/agreements/"+f.id+"/schedule", e.tokens["owner"], nil), http.StatusOK)
	for _, v := range r.body["invitations"].([]any) {
		if inv := v.(map[string]any); inv["participant_id"] == f.signer {
			f.joinToken = inv["token"].(string)
		}
	}
	return f
}

// draftAgreement is smallAgreement before scheduling, without a join token.
func draftAgreement(e *env) fixture {
	e.t.Helper()
	tok := e.tokens["owner"]
	var f fixture
	f.id = e.must(e.do("POST", "/api/agreements", tok, map[string]any{"title": map[string]string{"ko": "협약"}}), http.StatusCreated).str("id")
	base := "/api/agreements/" + f.id
	f.party = e.must(e.do("POST", base+"/parties", tok, map[string]any{"name": map[string]string{"ko": "강원도"}, "country": "KR"}), http.StatusCreated).str("id")
	f.venue = e.must(e.do("POST", base+"/venues", tok, map[string]any{"name": map[string]string{"en": "Hall"}, "time_zone": "Asia/Seoul"}), http.StatusCreated).str("id")
	f.host = e.must(e.do("POST", base+"/participants", tok, map[string]any{"name": "MC", "venue_id": f.venue, "role": "host"}), http.StatusCreated).str("id")
	f.signer = e.must(e.do("POST", base+"/participants", tok, map[string]any{"name": "S", "party_id": f.party, "venue_id": f.venue, "role": "signatory"}), http.StatusCreated).str("id")
	f.doc = e.must(e.do("POST", base+"/documents?language=ko", tok, pdftest.Minimal(1, "ko")), http.StatusCreated).str("id")
	return f
}

func (f fixture) path(e *env, p string) string {
	userID := e.users["other"].ID
	if strings.HasPrefix(p, "/api/users/") {
		return strings.ReplaceAll(p, "{id}", userID)
	}
	return strings.NewReplacer("{id}", f.id, "{partyID}", f.party, "{venueID}", f.venue,
		"{participantID}", f.signer, "{docID}", f.doc, "{page}", "1").Replace(p)
}

// tokenFor returns a fresh token for role (fresh so that logout in one request does not
// affect the next).
func (e *env) tokenFor(role string, f fixture) string {
	switch role {
	case "none":
		return ""
	case "join":
		return f.joinToken
	}
	u := e.users[role]
	tok, _, err := e.issuer.IssueStaff(u.ID, u.Roles, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	s := New(Config{Keys: e.keys, PasswordParams: &cheapArgon})
	for _, rt := range s.routeTable() {
		allowed, ok := wantAllowed[rt.pattern()]
		if !ok {
			t.Errorf("route %s has no entry in wantAllowed", rt.pattern())
			continue
		}
		t.Run(rt.pattern(), func(t *testing.T) {
			f := smallAgreement(e)
			for _, role := range everyone {
				r := e.do(rt.method, f.path(e, rt.path), e.tokenFor(role, f), nil)
				denied := r.status == http.StatusUnauthorized || r.status == http.StatusForbidden
				if want := slices.Contains(allowed, role); denied == want {
					t.Errorf("%s as %s: status %d, want allowed=%v; body %s", rt.pattern(), role, r.status, want, r.raw)
				}
				if r.status >= 500 {
					t.Errorf("%s as %s: status %d; body %s", rt.pattern(), role, r.status, r.raw)
				}
			}
		})
	}
}

func TestArchivistReadsSealed(t *testing.T) {
	e := newEnv(t)
	f := smallAgreement(e)
	routes := []string{"/api/agreements/{id}", "/api/agreements/{id}/documents/{docID}", "/api/agreements/{id}/audit"}
	for _, p := range routes {
		e.must(e.do("GET", f.path(e, p), e.tokens["archivist"], nil), http.StatusForbidden)
	}
	_, err := e.db.UpdateAgreement(context.Background(), f.id, func(ed *agreement.Edit) error {
		ed.Agreement.State = agreement.StateSealed
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range routes {
		e.must(e.do("GET", f.path(e, p), e.tokens["archivist"], nil), http.StatusOK)
	}
	e.must(e.do("PATCH", f.path(e, "/api/agreements/{id}"), e.tokens["archivist"], map[string]any{}), http.StatusForbidden)
	l := e.must(e.do("GET", "/api/agreements", e.tokens["archivist"], nil), http.StatusOK)
	if n := len(l.body["agreements"].([]any)); n != 1 {
		t.Fatalf("archivist lists %d agreements, want the 1 sealed one", n)
	}
}

func TestListingsShowOnlyReadableAgreements(t *testing.T) {
	e := newEnv(t)
	smallAgreement(e)
	smallAgreement(e)
	tests := []struct {
		role string
		want int
	}{{"owner", 2}, {"other", 0}, {"legal", 2}, {"archivist", 0}}
	for _, tt := range tests {
		t.Run(tt.role, func(t *testing.T) {
			l := e.must(e.do("GET", "/api/agreements", e.tokens[tt.role], nil), http.StatusOK)
			if got := len(l.body["agreements"].([]any)); got != tt.want {
				t.Fatalf("%s lists %d agreements, want %d", tt.role, got, tt.want)
			}
		})
	}
}

func TestJoinTokenReachesOnlyItsAgreement(t *testing.T) {
	e := newEnv(t)
	a, b := smallAgreement(e), smallAgreement(e)
	e.must(e.do("GET", "/api/join/documents/"+a.doc, a.joinToken, nil), http.StatusOK)
	e.must(e.do("GET", "/api/join/documents/"+b.doc, a.joinToken, nil), http.StatusNotFound)
	j := e.must(e.do("GET", "/api/join", a.joinToken, nil), http.StatusOK)
	if got := j.body["agreement"].(map[string]any)["id"]; got != a.id {
		t.Fatalf("join shows agreement %v, want %s", got, a.id)
	}
}
