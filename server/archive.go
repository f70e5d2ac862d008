package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/auth"
)

// searchRequest is GET /api/archive/search's query string.
type searchRequest struct {
	Q       string `json:"q" validate:"max=200"`
	From    string `json:"from" validate:"omitempty,datetime=2006-01-02"`
	To      string `json:"to" validate:"omitempty,datetime=2006-01-02"`
	Party   string `json:"party" validate:"max=200"`
	Venue   string `json:"venue" validate:"max=200"`
	Country string `json:"country" validate:"omitempty,iso3166_1_alpha2"`
	State   string `json:"state" validate:"omitempty,oneof=draft scheduled live signing sealed cancelled"`
	Hold    string `json:"hold" validate:"omitempty,oneof=on off"`
	Sort    string `json:"sort" validate:"omitempty,oneof=newest oldest title"`
	Lang    string `json:"lang" validate:"omitempty,oneof=ko zh en"`
	Offset  int    `json:"offset" validate:"min=0,max=100000"`
	Limit   int    `json:"limit" validate:"min=0,max=100"`
}

type searchResults struct {
	Total  int         `json:"total"`
	Offset int         `json:"offset"`
	Limit  int         `json:"limit"`
	Hits   []searchHit `json:"hits"`
}

type searchHit struct {
	agreementSummary
	SealedAt  *time.Time  `json:"sealed_at,omitempty"`
	LegalHold bool        `json:"legal_hold"`
	Parties   []partyView `json:"parties"`
	Venues    []venueView `json:"venues"`
	Match     *matchView  `json:"match,omitempty"`
}

type matchView struct {
	DocumentID string `json:"document_id,omitempty"`
	Page       int    `json:"page,omitempty"`
	Snippet    string `json:"snippet"`
}

// handleSearch searches the archive: legal staff every agreement, archivists and
// administrators sealed ones.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	q, err := s.searchQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q.SealedOnly = !callerFrom(r.Context()).user.HasRole(auth.RoleLegal)
	res, err := archive.Search(r.Context(), s.cfg.Store, q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := searchResults{Total: res.Total, Offset: q.Offset, Limit: q.Limit, Hits: []searchHit{}}
	if out.Limit == 0 {
		out.Limit = archive.DefaultLimit
	}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, searchHitOf(h))
	}
	writeJSON(w, http.StatusOK, out)
}

// searchQuery decodes and validates the query string.
func (s *Server) searchQuery(r *http.Request) (archive.Query, error) {
	v := r.URL.Query()
	req := searchRequest{Q: v.Get("q"), From: v.Get("from"), To: v.Get("to"), Party: v.Get("party"), Venue: v.Get("venue"),
		Country: strings.ToUpper(v.Get("country")), State: v.Get("state"), Hold: v.Get("hold"), Sort: v.Get("sort"), Lang: v.Get("lang")}
	for name, dst := range map[string]*int{"offset": &req.Offset, "limit": &req.Limit} {
		if raw := v.Get(name); raw != "" {
			n, err := strconv.Atoi(raw)
			if err != nil {
				return archive.Query{}, badRequest(name+" must be a whole number", fieldError{Field: name, Message: name + " must be a whole number"})
			}
			*dst = n
		}
	}
	if err := s.check(&req); err != nil {
		return archive.Query{}, err
	}
	q := archive.Query{Text: req.Q, Party: req.Party, Venue: req.Venue, Country: req.Country, State: agreement.State(req.State),
		Hold: archive.Hold(req.Hold), Sort: archive.Sort(req.Sort), Lang: req.Lang, Offset: req.Offset, Limit: req.Limit}
	q.From, _ = time.Parse(time.DateOnly, req.From)
	if to, err := time.Parse(time.DateOnly, req.To); err == nil {
		q.To = to.AddDate(0, 0, 1) // the whole day named
	}
	return q, nil
}

func searchHitOf(h archive.Hit) searchHit {
	a := h.Agreement
	out := searchHit{agreementSummary: summaryOf(a), LegalHold: h.LegalHold, Parties: []partyView{}, Venues: []venueView{}}
	if !h.SealedAt.IsZero() {
		t := h.SealedAt
		out.SealedAt = &t
	}
	for _, p := range a.Parties {
		out.Parties = append(out.Parties, partyView{ID: p.ID, Name: nonNilMap(p.Name), Country: p.Country})
	}
	for _, p := range a.Venues {
		out.Venues = append(out.Venues, venueView{ID: p.ID, Name: nonNilMap(p.Name), Place: p.Place, TimeZone: p.TimeZone})
	}
	if h.Match.Snippet != "" {
		out.Match = &matchView{DocumentID: h.Match.DocumentID, Page: h.Match.Page, Snippet: h.Match.Snippet}
	}
	return out
}

// holdRequest is the body of placing or lifting a legal hold.
type holdRequest struct {
	Reason string `json:"reason" validate:"required,max=1000"`
}

type holdView struct {
	PlacedAt time.Time `json:"placed_at"`
	PlacedBy string    `json:"placed_by"`
	Reason   string    `json:"reason"`
}

// handlePlaceHold puts a sealed record under legal hold: every archived object of it, in the
// object store itself.
func (s *Server) handlePlaceHold(w http.ResponseWriter, r *http.Request) {
	var req holdRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	h, err := s.holds.Place(r.Context(), r.PathValue("id"), callerFrom(r.Context()).user.ID, req.Reason)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, holdView{PlacedAt: h.PlacedAt, PlacedBy: h.PlacedBy, Reason: h.Reason})
}

// handleLiftHold lifts a record's legal hold.
func (s *Server) handleLiftHold(w http.ResponseWriter, r *http.Request) {
	var req holdRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.holds.Lift(r.Context(), r.PathValue("id"), callerFrom(r.Context()).user.ID, req.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleDispose deletes a sealed record's archived objects once neither retention nor a legal
// hold keeps them; otherwise 409 retained says which and until when.
func (s *Server) handleDispose(w http.ResponseWriter, r *http.Request) {
	if err := s.holds.Dispose(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type fixityRunView struct {
	ID         int64     `json:"id"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Records    int       `json:"records"`
	Objects    int       `json:"objects"`
	Bytes      int64     `json:"bytes"`
}

// handleFixity gives the latest fixity run and its alerts on the record.
func (s *Server) handleFixity(w http.ResponseWriter, r *http.Request) {
	run, alerts, err := s.cfg.Store.LastFixity(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		LastRun *fixityRunView    `json:"last_run,omitempty"`
		Alerts  []archive.Problem `json:"alerts"`
	}{Alerts: []archive.Problem{}}
	if run.ID != 0 {
		out.LastRun = &fixityRunView{ID: run.ID, StartedAt: run.StartedAt, FinishedAt: run.FinishedAt, Records: run.Records,
			Objects: run.Objects, Bytes: run.Bytes}
	}
	out.Alerts = append(out.Alerts, alerts...)
	writeJSON(w, http.StatusOK, out)
}

// indexPageText adds a new document's page text (extracted when its pages were rendered) to
// the archive search. A failure leaves the document findable by its title and file name only,
// so it is logged, not answered.
func (s *Server) indexPageText(ctx context.Context, agreementID, docID string) {
	m, err := s.pages.Manifest(ctx, agreementID, docID)
	if err == nil {
		texts := make([]string, len(m.Pages))
		for i, p := range m.Pages {
			texts[i] = p.Text
		}
		err = s.cfg.Store.IndexPages(ctx, agreementID, docID, texts)
	}
	if err != nil {
		s.log.Error("index document text for search", "agreement", agreementID, "document", docID, "err", err)
	}
}
