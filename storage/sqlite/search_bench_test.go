package sqlite

import (
	"context"
	"fmt"
	"testing"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// BenchmarkSearch10k searches 10,000 sealed agreements, each with a Korean and Chinese title,
// a party and one page of document text: a trigram-indexed phrase (3+ characters), a
// two-character term (matched by a scan) and a filter-only query.
func BenchmarkSearch10k(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, agreement.User{Username: "org", PasswordHash: "h"})
	if err != nil {
		b.Fatal(err)
	}
	const n = 10000
	for i := range n {
		a := &agreement.Agreement{Owner: u.ID, State: agreement.StateSealed,
			Title:   agreement.Localized{"ko": fmt.Sprintf("제%d호 문화 교류 협정", i), "zh": fmt.Sprintf("第%d号文化交流协定", i)},
			Parties: []agreement.Party{{ID: "p", Name: agreement.Localized{"en": fmt.Sprintf("Party %d", i%97)}, Country: "KR"}}}
		if err := db.CreateAgreement(ctx, a, nil); err != nil {
			b.Fatal(err)
		}
		text := fmt.Sprintf("第一条 双方根据本协定促进文化交流。编号%06d。本协定自签署之日起生效。제1조 양 당사자는 협정에 따라 교류를 증진한다.", i)
		if err := db.IndexPages(ctx, a.ID, "d", []string{text}); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []archive.Query{
		{Text: "编号004217"},
		{Text: "签署之日", Limit: 20},
		{Text: "교류"},
		{Party: "Party 42", Country: "KR"},
	} {
		b.Run(q.Text+q.Party, func(b *testing.B) {
			for b.Loop() {
				if _, err := archive.Search(ctx, db, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
