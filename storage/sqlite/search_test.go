package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// searchFixture stores three agreements: a Korean–Chinese one (sealed, on hold), an English
// one (sealed) and a draft, and page text for the first's documents.
func searchFixture(t *testing.T) (*DB, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	ids := map[string]string{}
	mk := func(name string, a *agreement.Agreement, state agreement.State) {
		u, err := db.CreateUser(ctx, agreement.User{Username: "org-" + name, PasswordHash: "h"})
		must(t, err)
		a.Owner = u.ID
		if err := db.CreateAgreement(ctx, a, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = state; return nil }); err != nil {
			t.Fatal(err)
		}
		ids[name] = a.ID
	}
	mk("kozh", &agreement.Agreement{
		Title:        agreement.Localized{"ko": "한중 문화 교류 협정", "zh": "韩中文化交流协定"},
		Parties:      []agreement.Party{{ID: "p1", Name: agreement.Localized{"ko": "대한민국 문화체육관광부"}, Country: "KR"}, {ID: "p2", Name: agreement.Localized{"zh": "中华人民共和国文化和旅游部"}, Country: "CN"}},
		Venues:       []agreement.Venue{{ID: "v1", Name: agreement.Localized{"ko": "서울 회의실"}, Place: "Seoul"}, {ID: "v2", Name: agreement.Localized{"zh": "北京会议室"}, Place: "Beijing"}},
		Participants: []agreement.Participant{{ID: "s1", Name: "김민준", Title: "장관", Role: agreement.RoleSignatory}},
		Documents:    []agreement.Document{{ID: "dko", Language: "ko", Filename: "협정문.pdf"}, {ID: "dzh", Language: "zh", Filename: "协定.pdf"}},
	}, agreement.StateSealed)
	mk("en", &agreement.Agreement{
		Title:        agreement.Localized{"en": "Port logistics memorandum"},
		Parties:      []agreement.Party{{ID: "p1", Name: agreement.Localized{"en": "Harbour Authority"}, Country: "GB"}},
		Venues:       []agreement.Venue{{ID: "v1", Name: agreement.Localized{"en": "London office"}, Place: "London"}},
		Participants: []agreement.Participant{{ID: "s1", Name: "Jane Doe", Role: agreement.RoleSignatory}},
	}, agreement.StateSealed)
	mk("draft", &agreement.Agreement{Title: agreement.Localized{"en": "Draft memorandum of understanding"}}, agreement.StateDraft)
	must(t, db.IndexPages(ctx, ids["kozh"], "dko", []string{"제1조 양 당사자는 본 협정에 따라 문화 교류를 증진한다.", "제2조 이 협정은 서명한 날부터 효력을 발생한다."}))
	must(t, db.IndexPages(ctx, ids["kozh"], "dzh", []string{"第一条 双方根据本协定促进文化交流。", "第二条 本协定自签署之日起生效。"}))
	must(t, db.PlaceHold(ctx, archive.LegalHold{AgreementID: ids["kozh"], PlacedAt: time.Now(), PlacedBy: "u", Reason: "court order"},
		agreement.AuditEntry{Type: "legal_hold.placed", Actor: "user:u"}))
	return db, ids
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSearchFindsByEachField(t *testing.T) {
	db, ids := searchFixture(t)
	kozh, en, draft := ids["kozh"], ids["en"], ids["draft"]
	tests := []struct {
		name string
		q    archive.Query
		want []string
	}{
		{"chinese phrase from a document page", archive.Query{Text: "自签署之日起生效"}, []string{kozh}},
		{"korean word followed by a particle in the page text", archive.Query{Text: "협정은"}, []string{kozh}},
		{"korean word without its particle", archive.Query{Text: "효력"}, []string{kozh}},
		{"korean title word", archive.Query{Text: "문화 교류"}, []string{kozh}},
		{"chinese title", archive.Query{Text: "文化交流协定"}, []string{kozh}},
		{"party name", archive.Query{Text: "harbour"}, []string{en}},
		{"participant name", archive.Query{Text: "김민준"}, []string{kozh}},
		{"participant title", archive.Query{Text: "장관"}, []string{kozh}},
		{"venue place", archive.Query{Text: "Beijing"}, []string{kozh}},
		{"document file name", archive.Query{Text: "协定.pdf"}, []string{kozh}},
		{"agreement id", archive.Query{Text: en}, []string{en}},
		{"quoted phrase", archive.Query{Text: `"logistics memorandum"`}, []string{en}},
		{"two terms from different texts", archive.Query{Text: "서울 生效"}, []string{kozh}},
		{"a term nowhere", archive.Query{Text: "memorandum 生效"}, nil},
		{"memorandum everywhere", archive.Query{Text: "memorandum", Sort: archive.SortTitle, Lang: "en"}, []string{draft, en}},
		{"memorandum sealed only", archive.Query{Text: "memorandum", SealedOnly: true}, []string{en}},
		{"party filter", archive.Query{Party: "文化和旅游"}, []string{kozh}},
		{"venue filter", archive.Query{Venue: "london"}, []string{en}},
		{"country filter", archive.Query{Country: "cn"}, []string{kozh}},
		{"state filter", archive.Query{State: agreement.StateDraft}, []string{draft}},
		{"on hold", archive.Query{Hold: archive.HoldOn}, []string{kozh}},
		{"not on hold, sealed", archive.Query{Hold: archive.HoldNone, SealedOnly: true}, []string{en}},
		{"date range in the future", archive.Query{From: time.Now().Add(time.Hour)}, nil},
		{"date range around now", archive.Query{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), SealedOnly: true, Sort: archive.SortOldest}, []string{kozh, en}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := archive.Search(context.Background(), db, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, h.Agreement.ID)
			}
			if !slices.Equal(got, tt.want) || res.Total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", got, res.Total, tt.want)
			}
		})
	}
}

func TestSearchMatchSaysWhere(t *testing.T) {
	db, ids := searchFixture(t)
	res, err := archive.Search(context.Background(), db, archive.Query{Text: "签署之日"})
	if err != nil || len(res.Hits) != 1 {
		t.Fatalf("search = %+v, %v", res, err)
	}
	h := res.Hits[0]
	if h.Agreement.ID != ids["kozh"] || h.Match.DocumentID != "dzh" || h.Match.Page != 2 || !h.LegalHold {
		t.Fatalf("hit = %+v, want page 2 of dzh, on hold", h)
	}
	if want := "第二条 本协定自签署之日起生效。"; h.Match.Snippet != want {
		t.Fatalf("snippet = %q, want %q", h.Match.Snippet, want)
	}
}

func TestSearchIndexKeptCurrent(t *testing.T) {
	ctx := context.Background()
	db, ids := searchFixture(t)
	find := func(text string) int {
		t.Helper()
		res, err := archive.Search(ctx, db, archive.Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	_, err := db.UpdateAgreement(ctx, ids["draft"], func(ed *agreement.Edit) error {
		ed.Agreement.Title = agreement.Localized{"en": "Fisheries accord"}
		return nil
	})
	must(t, err)
	if got := find("understanding"); got != 0 {
		t.Fatalf("old title found %d times after the change", got)
	}
	if got := find("fisheries"); got != 1 {
		t.Fatalf("new title found %d times, want 1", got)
	}
	_, err = db.UpdateAgreement(ctx, ids["kozh"], func(ed *agreement.Edit) error {
		ed.Agreement.Documents = ed.Agreement.Documents[:1] // drops dzh
		return nil
	})
	must(t, err)
	if got := find("签署之日"); got != 0 {
		t.Fatalf("a removed document's text found %d times", got)
	}
	if got := find("효력을"); got != 1 {
		t.Fatalf("a kept document's text found %d times, want 1", got)
	}
}

func TestSearchPages(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i := range 5 {
		a := newAgreement(t, db)
		_, err := db.UpdateAgreement(ctx, a.ID, func(ed *agreement.Edit) error {
			ed.Agreement.Title = agreement.Localized{"en": "Treaty " + string(rune('A'+i))}
			return nil
		})
		must(t, err)
	}
	var got []string
	for off := 0; off < 5; off += 2 {
		res, err := archive.Search(ctx, db, archive.Query{Text: "treaty", Sort: archive.SortTitle, Lang: "en", Offset: off, Limit: 2})
		must(t, err)
		if res.Total != 5 {
			t.Fatalf("total = %d, want 5", res.Total)
		}
		for _, h := range res.Hits {
			got = append(got, h.Agreement.Title["en"])
		}
	}
	if want := []string{"Treaty A", "Treaty B", "Treaty C", "Treaty D", "Treaty E"}; !slices.Equal(got, want) {
		t.Fatalf("pages = %v, want %v", got, want)
	}
}
