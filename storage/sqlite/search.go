package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
)

// The date a record is found and sorted by: its seal time once sealed, else its creation.
const searchDate = `CASE WHEN a.state = 'sealed' AND s.sealed_at IS NOT NULL THEN s.sealed_at ELSE a.created_at END`

// Search runs an archive query (see archive.Index). Terms of three characters or more use
// the trigram index (MATCH); shorter ones are matched with LIKE, which scans.
func (d *DB) Search(ctx context.Context, q archive.Query) (archive.Results, error) {
	where, args := searchWhere(q)
	from := ` FROM agreements a LEFT JOIN seals s ON s.agreement_id = a.id
		LEFT JOIN legal_holds h ON h.agreement_id = a.id WHERE ` + where
	var res archive.Results
	if err := d.db.QueryRowContext(ctx, "SELECT count(*)"+from, args...).Scan(&res.Total); err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	rows, err := d.db.QueryContext(ctx, "SELECT a.body, coalesce(s.sealed_at, ''), h.agreement_id IS NOT NULL"+from+
		searchOrder(q)+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h, err := scanHit(rows)
		if err != nil {
			return res, fmt.Errorf("search: %w", err)
		}
		res.Hits = append(res.Hits, h)
	}
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("search: %w", err)
	}
	return res, d.fillMatches(ctx, q, res.Hits)
}

func scanHit(rows *sql.Rows) (archive.Hit, error) {
	var body, sealed string
	var h archive.Hit
	if err := rows.Scan(&body, &sealed, &h.LegalHold); err != nil {
		return h, err
	}
	h.Agreement = &agreement.Agreement{}
	if err := json.Unmarshal([]byte(body), h.Agreement); err != nil {
		return h, err
	}
	if h.Agreement.State == agreement.StateSealed && sealed != "" {
		h.SealedAt = parseTS(sealed)
	}
	return h, nil
}

// searchWhere builds the WHERE clause of q and its arguments.
func searchWhere(q archive.Query) (string, []any) {
	conds, args := []string{"1=1"}, []any{}
	add := func(cond string, a ...any) {
		conds = append(conds, cond)
		args = append(args, a...)
	}
	for _, t := range q.Terms {
		op, arg := termMatch(t)
		add("a.id IN (SELECT r.agreement_id FROM search_text JOIN search_rows r ON r.rowid = search_text.rowid WHERE "+op+")", arg)
	}
	if q.SealedOnly {
		add("a.state = 'sealed'")
	}
	if q.State != "" {
		add("a.state = ?", string(q.State))
	}
	if !q.From.IsZero() {
		add(searchDate+" >= ?", ts(q.From))
	}
	if !q.To.IsZero() {
		add(searchDate+" < ?", ts(q.To))
	}
	if q.Party != "" {
		add(`EXISTS (SELECT 1 FROM json_tree(a.body, '$.Parties') t WHERE t.fullkey LIKE '$.Parties[%].Name.%'
			AND t.type = 'text' AND t.value LIKE ? ESCAPE '\')`, likePattern(q.Party))
	}
	if q.Venue != "" {
		add(`EXISTS (SELECT 1 FROM json_tree(a.body, '$.Venues') t WHERE (t.fullkey LIKE '$.Venues[%].Name.%'
			OR t.fullkey LIKE '$.Venues[%].Place') AND t.type = 'text' AND t.value LIKE ? ESCAPE '\')`, likePattern(q.Venue))
	}
	if q.Country != "" {
		add(`EXISTS (SELECT 1 FROM json_each(a.body, '$.Parties') p WHERE json_extract(p.value, '$.Country') = ?)`, q.Country)
	}
	switch q.Hold {
	case archive.HoldOn:
		add("h.agreement_id IS NOT NULL")
	case archive.HoldNone:
		add("h.agreement_id IS NULL")
	}
	return strings.Join(conds, " AND "), args
}

// termMatch returns the condition on search_text that finds term, and its argument.
func termMatch(term string) (string, any) {
	if utf8.RuneCountInString(term) >= 3 {
		return "search_text MATCH ?", `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
	}
	return `search_text.body LIKE ? ESCAPE '\'`, likePattern(term)
}

// likePattern matches s anywhere, its own % and _ taken literally.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func searchOrder(q archive.Query) string {
	switch q.Sort {
	case archive.SortOldest:
		return " ORDER BY " + searchDate + " ASC, a.id"
	case archive.SortTitle:
		lang := strings.Map(func(r rune) rune { // a BCP 47 tag's letters only, safe in the path
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' {
				return r
			}
			return -1
		}, q.Lang)
		return ` ORDER BY lower(coalesce(json_extract(a.body, '$.Title."` + lang + `"'), json_extract(a.body, '$.Title.en'),
			(SELECT value FROM json_each(a.body, '$.Title') LIMIT 1), '')), a.id`
	default:
		return " ORDER BY " + searchDate + " DESC, a.id"
	}
}

// fillMatches sets each hit's Match to the first text of its record where the first term
// occurs: its own text before its pages, pages in order.
func (d *DB) fillMatches(ctx context.Context, q archive.Query, hits []archive.Hit) error {
	if len(q.Terms) == 0 {
		return nil
	}
	op, arg := termMatch(q.Terms[0])
	for i := range hits {
		m := &hits[i].Match
		err := d.db.QueryRowContext(ctx, `SELECT r.document_id, r.page, search_text.body FROM search_text
			JOIN search_rows r ON r.rowid = search_text.rowid WHERE r.agreement_id = ? AND `+op+`
			ORDER BY r.kind = 'page', r.document_id, r.page LIMIT 1`, hits[i].Agreement.ID, arg).
			Scan(&m.DocumentID, &m.Page, &m.Text)
		if err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("search: match of %s: %w", hits[i].Agreement.ID, err)
		}
	}
	return nil
}

// IndexPages replaces the indexed page text of a document (see archive.Index).
func (d *DB) IndexPages(ctx context.Context, agreementID, documentID string, pages []string) error {
	err := d.withTx(ctx, func(tx *sql.Tx) error {
		sel := `SELECT rowid FROM search_rows WHERE agreement_id = ? AND kind = 'page' AND document_id = ?`
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_text WHERE rowid IN ("+sel+")", agreementID, documentID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM search_rows WHERE agreement_id = ? AND kind = 'page' AND document_id = ?",
			agreementID, documentID); err != nil {
			return err
		}
		for i, text := range pages {
			if err := insertPageText(ctx, tx, agreementID, documentID, i+1, text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index pages of document %s: %w", documentID, err)
	}
	return nil
}

func insertPageText(ctx context.Context, tx *sql.Tx, agreementID, documentID string, page int, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO search_rows(agreement_id, kind, document_id, page) VALUES (?, 'page', ?, ?)",
		agreementID, documentID, page)
	if err != nil {
		return err
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO search_text(rowid, body) VALUES (?, ?)", rowid, text)
	return err
}
