package archive

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  Seoul  북경 ", []string{"seoul", "북경"}},
		{`"Port  Logistics" memo`, []string{"port logistics", "memo"}},
		{`自签署之日起生效`, []string{"自签署之日起生效"}},
		{`"unclosed phrase`, []string{"unclosed phrase"}},
		{`""`, nil},
	}
	for _, tt := range tests {
		if got := Terms(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("가", 50) + "협정은" + strings.Repeat("나", 50)
	tests := []struct {
		text, term string
		want       string
	}{
		{"short text", "text", "short text"},
		{long, "협정은", "…" + strings.Repeat("가", 20) + "협정은" + strings.Repeat("나", 17) + "…"},
		{"Port  Logistics\nplan", "LOGISTICS", "Port Logistics plan"},
		{long, "absent", strings.Repeat("가", 40) + "…"},
	}
	for _, tt := range tests {
		if got := Snippet(tt.text, tt.term, 40); got != tt.want {
			t.Errorf("Snippet(%q) = %q, want %q", tt.term, got, tt.want)
		}
	}
}

func TestPrepareRefuses(t *testing.T) {
	tests := []Query{
		{Text: strings.Repeat("x", MaxTextRunes+1)},
		{Text: "a b c d e f g h i"},
		{Sort: "random"},
		{Hold: "maybe"},
	}
	for _, q := range tests {
		if err := prepare(&q); !errors.Is(err, ErrQuery) {
			t.Errorf("prepare(%+v) = %v, want ErrQuery", q, err)
		}
	}
	q := Query{Limit: 1000, Offset: -3, Country: "kr"}
	if err := prepare(&q); err != nil || q.Limit != MaxLimit || q.Offset != 0 || q.Country != "KR" || q.Sort != SortNewest {
		t.Fatalf("prepare = %+v, %v", q, err)
	}
}
