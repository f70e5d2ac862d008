package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/render"
	"github.com/signroom/signroom/render/rendertest"
	"github.com/signroom/signroom/storage/blob"
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

func TestLegalHoldAndDisposal(t *testing.T) {
	local, err := blob.NewLocal(t.TempDir(), []byte("0123456789abcdef0123456789abcdef"), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) { c.Archive = local.Buckets().Archive })
	ctx := context.Background()
	a := &agreement.Agreement{Owner: e.users["owner"].ID, Title: agreement.Localized{"en": "Held"}, State: agreement.StateSealed}
	if err := e.db.CreateAgreement(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(48 * time.Hour)
	if _, err := local.Buckets().Archive.Put(ctx, "agreements/"+a.ID+"/evidence/bundle.zip", strings.NewReader("zip"),
		blob.PutOptions{RetainUntil: until}); err != nil {
		t.Fatal(err)
	}
	base := "/api/agreements/" + a.ID
	r := e.must(e.do("DELETE", base+"/archive", e.tokens["admin"], nil), http.StatusConflict)
	if r.errCode() != "retained" || !strings.Contains(r.errMessage(), until.UTC().Format(time.DateOnly)) {
		t.Fatalf("dispose within retention: %s %q", r.errCode(), r.errMessage())
	}
	e.must(e.do("POST", base+"/legal-hold", e.tokens["archivist"], map[string]string{}), http.StatusUnprocessableEntity)
	e.must(e.do("POST", base+"/legal-hold", e.tokens["archivist"], map[string]string{"reason": "court order"}), http.StatusOK)
	r = e.must(e.do("GET", "/api/archive/search?hold=on", e.tokens["archivist"], nil), http.StatusOK)
	if r.body["total"] != float64(1) {
		t.Fatalf("search hold=on total = %v, want 1", r.body["total"])
	}
	r = e.must(e.do("DELETE", base+"/archive", e.tokens["admin"], nil), http.StatusConflict)
	if r.errCode() != "retained" || !strings.Contains(r.errMessage(), "legal hold") {
		t.Fatalf("dispose under hold: %s %q", r.errCode(), r.errMessage())
	}
	e.must(e.do("POST", base+"/legal-hold/lift", e.tokens["admin"], map[string]string{"reason": "settled"}), http.StatusNoContent)
	e.must(e.do("POST", base+"/legal-hold/lift", e.tokens["admin"], map[string]string{"reason": "again"}), http.StatusNotFound)
	r = e.must(e.do("GET", base+"/audit", e.tokens["legal"], nil), http.StatusOK)
	if got := string(r.raw); !strings.Contains(got, "legal_hold.placed") || !strings.Contains(got, "legal_hold.lifted") {
		t.Fatalf("audit lacks the hold events: %s", got)
	}
}

func TestFixityAlertOnRecord(t *testing.T) {
	local, err := blob.NewLocal(t.TempDir(), []byte("0123456789abcdef0123456789abcdef"), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	arch := local.Buckets().Archive
	e := newEnv(t, func(c *Config) { c.Archive = arch })
	ctx := context.Background()
	a := &agreement.Agreement{Owner: e.users["owner"].ID, Title: agreement.Localized{"en": "Checked"}, State: agreement.StateSigning}
	if err := e.db.CreateAgreement(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	key := "agreements/" + a.ID + "/evidence/sealed.pdf"
	info, err := arch.Put(ctx, key, strings.NewReader("%PDF"), blob.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	art := agreement.Artifact{Name: "sealed.pdf", ArchiveKey: key, VersionID: info.VersionID, SHA256: strings.Repeat("0", 64), Size: info.Size}
	if err := e.db.StageSeal(ctx, agreement.Seal{AgreementID: a.ID, SealedAt: time.Now(), RetainUntil: time.Now(), StagedAt: time.Now(),
		Artifacts: []agreement.Artifact{art}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.FinishSeal(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = agreement.StateSealed; return nil }); err != nil {
		t.Fatal(err)
	}
	path := "/api/agreements/" + a.ID + "/fixity"
	if r := e.must(e.do("GET", path, e.tokens["archivist"], nil), http.StatusOK); r.body["last_run"] != nil {
		t.Fatalf("before any run: %s", r.raw)
	}
	f := &archive.Fixity{Store: e.db, Archive: arch, Log: e.api.log, Now: time.Now}
	if _, err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	r := e.must(e.do("GET", path, e.tokens["archivist"], nil), http.StatusOK)
	alerts, _ := r.body["alerts"].([]any)
	if r.body["last_run"] == nil || len(alerts) != 1 || alerts[0].(map[string]any)["key"] != key {
		t.Fatalf("after a run that found the mismatch: %s", r.raw)
	}
}

// TestSearchFindsUploadedPageText: a phrase from page 2 of an uploaded Chinese PDF (its text
// extracted when its pages were rendered) finds the agreement, naming the document and page.
func TestSearchFindsUploadedPageText(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Renderer, c.RenderDPI = rendertest.Engine(t), render.DefaultDPI })
	f, zh := scheduledWithZh(e)
	r := e.must(e.do("GET", "/api/archive/search?q="+url.QueryEscape("合作领域"), e.tokens["legal"], nil), http.StatusOK)
	hits, _ := r.body["hits"].([]any)
	if len(hits) != 1 {
		t.Fatalf("hits = %s, want one", r.raw)
	}
	hit := hits[0].(map[string]any)
	m, _ := hit["match"].(map[string]any)
	if hit["id"] != f.id || m == nil || m["document_id"] != zh || m["page"] != float64(2) || !strings.Contains(m["snippet"].(string), "合作领域") {
		t.Fatalf("hit = %v, want page 2 of %s", hit, zh)
	}
}
