package server

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/signroom/signroom/agreement"
)

func TestSearchScopeAndFields(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(title agreement.Localized, state agreement.State) string {
		a := &agreement.Agreement{Owner: e.users["owner"].ID, Title: title,
			Parties: []agreement.Party{{ID: "p1", Name: agreement.Localized{"ko": "대한민국"}, Country: "KR"}}}
		if err := e.db.CreateAgreement(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = state; return nil }); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	sealed := mk(agreement.Localized{"ko": "한중 협정서", "zh": "韩中协定书"}, agreement.StateSealed)
	draft := mk(agreement.Localized{"ko": "초안 협정서"}, agreement.StateDraft)
	search := func(who string, q url.Values) response {
		return e.must(e.do("GET", "/api/archive/search?"+q.Encode(), e.tokens[who], nil), http.StatusOK)
	}
	ids := func(r response) []string {
		var out []string
		for _, h := range r.body["hits"].([]any) {
			out = append(out, h.(map[string]any)["id"].(string))
		}
		return out
	}
	tests := []struct {
		who  string
		q    url.Values
		want []string
	}{
		{"archivist", url.Values{"q": {"협정서"}}, []string{sealed}},
		{"admin", url.Values{"q": {"협정서"}}, []string{sealed}},
		{"legal", url.Values{"q": {"협정서"}, "sort": {"title"}, "lang": {"ko"}}, []string{draft, sealed}},
		{"legal", url.Values{"q": {"韩中协定"}}, []string{sealed}},
		{"legal", url.Values{"country": {"kr"}, "state": {"draft"}}, []string{draft}},
		{"legal", url.Values{"hold": {"on"}}, nil},
		{"legal", url.Values{"from": {"2000-01-01"}, "to": {"2000-12-31"}}, nil},
	}
	for _, tt := range tests {
		got := ids(search(tt.who, tt.q))
		if len(got) != len(tt.want) || (len(got) > 0 && (got[0] != tt.want[0] || got[len(got)-1] != tt.want[len(tt.want)-1])) {
			t.Errorf("%s %v: got %v, want %v", tt.who, tt.q, got, tt.want)
		}
	}
	r := search("archivist", url.Values{"q": {"韩中"}})
	hit := r.body["hits"].([]any)[0].(map[string]any)
	if m, _ := hit["match"].(map[string]any); m == nil || m["snippet"] == "" || hit["legal_hold"] != false {
		t.Fatalf("hit = %v, want a match snippet and legal_hold false", hit)
	}
	for _, bad := range []string{"sort=random", "from=yesterday", "limit=1000", "offset=x", "country=XX", "state=gone"} {
		if r := e.do("GET", "/api/archive/search?"+bad, e.tokens["legal"], nil); r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 422 or 400", bad, r.status)
		}
	}
}
