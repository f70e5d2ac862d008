package archive

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signroom/signroom/agreement"
)

// Sort orders search results.
type Sort string

// Sort orders; the date is the seal time of a sealed record and the creation time otherwise.
const (
	SortNewest Sort = "newest"
	SortOldest Sort = "oldest"
	SortTitle  Sort = "title"
)

// Hold filters on legal hold.
type Hold string

// Hold filters.
const (
	HoldAny  Hold = ""
	HoldOn   Hold = "on"
	HoldNone Hold = "off"
)

// Limits of a query.
const (
	MaxTerms     = 8
	MaxTextRunes = 200
	MaxLimit     = 100
	DefaultLimit = 20
	snippetRunes = 40
)

// ErrQuery is wrapped by errors about a query that cannot be run as given; it wraps
// agreement.ErrInvalid.
var ErrQuery = fmt.Errorf("invalid search: %w", agreement.ErrInvalid)

// Query is one search. Zero fields do not filter.
type Query struct {
	Text    string
	From    time.Time // date on or after
	To      time.Time // date before
	Party   string    // substring of a party's name in any language
	Venue   string    // substring of a venue's name or place
	Country string    // a party's ISO 3166-1 alpha-2 country code
	State   agreement.State
	Hold    Hold
	Sort    Sort
	Lang    string // the language titles sort in
	Offset  int
	Limit   int // 0: DefaultLimit
	// Terms are the free-text terms, set by Search from Text.
	Terms []string
	// SealedOnly limits the search to sealed records (archivists and administrators).
	SealedOnly bool
}

// Hit is one record found.
type Hit struct {
	Agreement *agreement.Agreement
	SealedAt  time.Time // zero unless sealed
	LegalHold bool
	Match     Match // where the first term was found; zero without free text
}

// Match says where a term was found: in the agreement's own text or on a document's page.
type Match struct {
	DocumentID string // empty: the agreement's own text
	Page       int
	Text       string // the whole matched text as the index holds it; Snippet shortens it
	Snippet    string
}

// Results is one page of hits and the number of records found in all.
type Results struct {
	Total int
	Hits  []Hit
}

// Index runs queries; storage/sqlite.DB implements it. Search filters by every field of q,
// matches every one of q.Terms, sorts and pages, and sets each hit's Match.Text (not Snippet).
type Index interface {
	Search(ctx context.Context, q Query) (Results, error)
	// IndexPages replaces the indexed page text of a document (pages[i] is page i+1).
	IndexPages(ctx context.Context, agreementID, documentID string, pages []string) error
}

// Search checks and runs q on ix and shortens each match to a snippet around the first term.
func Search(ctx context.Context, ix Index, q Query) (Results, error) {
	if err := prepare(&q); err != nil {
		return Results{}, err
	}
	res, err := ix.Search(ctx, q)
	if err != nil {
		return Results{}, fmt.Errorf("search: %w", err)
	}
	for i := range res.Hits {
		if len(q.Terms) > 0 {
			res.Hits[i].Match.Snippet = Snippet(res.Hits[i].Match.Text, q.Terms[0], snippetRunes)
		}
		res.Hits[i].Match.Text = ""
	}
	return res, nil
}

// prepare checks q and fills in its defaults and terms.
func prepare(q *Query) error {
	if utf8.RuneCountInString(q.Text) > MaxTextRunes {
		return fmt.Errorf("%w: the text is longer than %d characters", ErrQuery, MaxTextRunes)
	}
	q.Terms = Terms(q.Text)
	if len(q.Terms) > MaxTerms {
		return fmt.Errorf("%w: more than %d terms", ErrQuery, MaxTerms)
	}
	switch q.Sort {
	case "":
		q.Sort = SortNewest
	case SortNewest, SortOldest, SortTitle:
	default:
		return fmt.Errorf("%w: unknown sort %q", ErrQuery, q.Sort)
	}
	switch q.Hold {
	case HoldAny, HoldOn, HoldNone:
	default:
		return fmt.Errorf("%w: unknown hold filter %q", ErrQuery, q.Hold)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	q.Offset = max(q.Offset, 0)
	q.Country = strings.ToUpper(q.Country)
	return nil
}

// Terms splits text into search terms: runs of non-space characters, or the text between
// double quotes as one term. Terms are lower-cased; empty ones are dropped.
func Terms(text string) []string {
	var out []string
	for i, part := range strings.Split(text, `"`) {
		if i%2 == 1 { // inside quotes
			if p := strings.ToLower(strings.Join(strings.Fields(part), " ")); p != "" {
				out = append(out, p)
			}
			continue
		}
		for _, f := range strings.Fields(part) {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

// Snippet returns about width characters of text around the first occurrence of term (case
// folded), with "…" where text was cut; the start of text when term does not occur.
func Snippet(text, term string, width int) string {
	runes := []rune(strings.Join(strings.Fields(text), " "))
	at := runeIndexFold(runes, []rune(strings.ToLower(term)))
	start := max(at-width/2, 0)
	end := min(start+width, len(runes))
	out := string(runes[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(runes) {
		out += "…"
	}
	return out
}

// runeIndexFold finds term (lower case) in runes ignoring case; 0 when absent.
func runeIndexFold(runes, term []rune) int {
	lower := []rune(strings.ToLower(string(runes)))
	if len(lower) != len(runes) {
		return 0
	}
	for i := 0; i+len(term) <= len(lower); i++ {
		if string(lower[i:i+len(term)]) == string(term) {
			return i
		}
	}
	return 0
}
