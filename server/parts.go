package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/signroom/signroom/agreement"
)

type partyRequest struct {
	Name    map[string]string `json:"name" validate:"required,min=1,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=300"`
	Country string            `json:"country" validate:"required,iso3166_1_alpha2"`
}

type venueRequest struct {
	Name     map[string]string `json:"name" validate:"required,min=1,max=20,dive,keys,bcp47_language_tag,endkeys,required,max=300"`
	Place    string            `json:"place" validate:"max=300"`
	TimeZone string            `json:"time_zone" validate:"required,iana_tz"`
}

type participantRequest struct {
	Name    string `json:"name" validate:"required,max=200"`
	Title   string `json:"title" validate:"max=200"`
	PartyID string `json:"party_id" validate:"max=64"`
	VenueID string `json:"venue_id" validate:"required,max=64"`
	Role    string `json:"role" validate:"required,oneof=host signatory witness observer venue"`
	// Order is a signatory's position in a sequential signing: from 1, unique, gaps allowed.
	// Absent means none; 0 is refused (it is not a position).
	Order *int `json:"order" validate:"omitempty,min=1,max=1000"`
}

func (s *Server) handleAddParty(w http.ResponseWriter, r *http.Request) {
	s.putParty(w, r, "")
}

func (s *Server) handlePutParty(w http.ResponseWriter, r *http.Request) {
	s.putParty(w, r, r.PathValue("partyID"))
}

// putParty adds a party (id "") or replaces the party with id.
func (s *Server) putParty(w http.ResponseWriter, r *http.Request, id string) {
	var req partyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	req.Country = strings.ToUpper(req.Country)
	if err := s.check(&req); err != nil {
		s.fail(w, r, err)
		return
	}
	status := statusFor(id)
	s.editDraft(w, r, status, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		p := agreement.Party{ID: id, Name: req.Name, Country: req.Country}
		if id == "" {
			p.ID = newID()
			a.Parties = append(a.Parties, p)
		} else if i := indexOf(a.Parties, func(q agreement.Party) bool { return q.ID == id }); i >= 0 {
			a.Parties[i] = p
		} else {
			return nil, notFound("party", id)
		}
		ed.Record(eventName("party", id), callerFrom(r.Context()).actor(), map[string]any{"party": p.ID, "name": p.Name, "country": p.Country})
		return partyView{ID: p.ID, Name: p.Name, Country: p.Country}, nil
	})
}

func (s *Server) handleDeleteParty(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("partyID")
	s.editDraft(w, r, http.StatusOK, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		i := indexOf(a.Parties, func(q agreement.Party) bool { return q.ID == id })
		if i < 0 {
			return nil, notFound("party", id)
		}
		for _, p := range a.Participants {
			if p.PartyID == id {
				return nil, inUse("party", id, p.ID)
			}
		}
		a.Parties = append(a.Parties[:i], a.Parties[i+1:]...)
		ed.Record("party.deleted", callerFrom(r.Context()).actor(), map[string]any{"party": id})
		return nil, nil
	})
}

func (s *Server) handleAddVenue(w http.ResponseWriter, r *http.Request) { s.putVenue(w, r, "") }

func (s *Server) handlePutVenue(w http.ResponseWriter, r *http.Request) {
	s.putVenue(w, r, r.PathValue("venueID"))
}

func (s *Server) putVenue(w http.ResponseWriter, r *http.Request, id string) {
	var req venueRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	s.editDraft(w, r, statusFor(id), func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		v := agreement.Venue{ID: id, Name: req.Name, Place: req.Place, TimeZone: req.TimeZone}
		if id == "" {
			v.ID = newID()
			a.Venues = append(a.Venues, v)
		} else if i := indexOf(a.Venues, func(q agreement.Venue) bool { return q.ID == id }); i >= 0 {
			a.Venues[i] = v
		} else {
			return nil, notFound("venue", id)
		}
		ed.Record(eventName("venue", id), callerFrom(r.Context()).actor(), map[string]any{"venue": v.ID, "name": v.Name, "time_zone": v.TimeZone})
		return venueView{ID: v.ID, Name: v.Name, Place: v.Place, TimeZone: v.TimeZone}, nil
	})
}

func (s *Server) handleDeleteVenue(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("venueID")
	s.editDraft(w, r, http.StatusOK, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		i := indexOf(a.Venues, func(q agreement.Venue) bool { return q.ID == id })
		if i < 0 {
			return nil, notFound("venue", id)
		}
		for _, p := range a.Participants {
			if p.VenueID == id {
				return nil, inUse("venue", id, p.ID)
			}
		}
		a.Venues = append(a.Venues[:i], a.Venues[i+1:]...)
		ed.Record("venue.deleted", callerFrom(r.Context()).actor(), map[string]any{"venue": id})
		return nil, nil
	})
}

func (s *Server) handleAddParticipant(w http.ResponseWriter, r *http.Request) {
	s.putParticipant(w, r, "")
}

func (s *Server) handlePutParticipant(w http.ResponseWriter, r *http.Request) {
	s.putParticipant(w, r, r.PathValue("participantID"))
}

func (s *Server) putParticipant(w http.ResponseWriter, r *http.Request, id string) {
	var req participantRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	s.editDraft(w, r, statusFor(id), func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		p := agreement.Participant{ID: id, Name: req.Name, Title: req.Title, PartyID: req.PartyID,
			VenueID: req.VenueID, Role: agreement.Role(req.Role)}
		if req.Order != nil {
			p.Order = *req.Order
		}
		if err := checkParticipant(a, p); err != nil {
			return nil, err
		}
		if id == "" {
			p.ID = newID()
			a.Participants = append(a.Participants, p)
		} else if i := indexOf(a.Participants, func(q agreement.Participant) bool { return q.ID == id }); i >= 0 {
			a.Participants[i] = p
		} else {
			return nil, notFound("participant", id)
		}
		ed.Record(eventName("participant", id), callerFrom(r.Context()).actor(), participantViewOf(p))
		return participantViewOf(p), nil
	})
}

// checkParticipant checks a participant's references against the agreement.
func checkParticipant(a *agreement.Agreement, p agreement.Participant) error {
	if p.PartyID != "" && indexOf(a.Parties, func(q agreement.Party) bool { return q.ID == p.PartyID }) < 0 {
		return invalidFieldRule("party_id", "reference", "party_id names no party of this agreement")
	}
	if indexOf(a.Venues, func(q agreement.Venue) bool { return q.ID == p.VenueID }) < 0 {
		return invalidFieldRule("venue_id", "reference", "venue_id names no venue of this agreement")
	}
	if p.Role == agreement.RoleSignatory && p.PartyID == "" {
		return invalidFieldRule("party_id", "required", "party_id is required for a signatory")
	}
	if p.Role != agreement.RoleSignatory && p.Order != 0 {
		return invalidFieldRule("order", "signatory_only", "order is only for signatories")
	}
	return nil
}

func (s *Server) handleDeleteParticipant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("participantID")
	s.editDraft(w, r, http.StatusOK, func(ed *agreement.Edit) (any, error) {
		a := ed.Agreement
		i := indexOf(a.Participants, func(q agreement.Participant) bool { return q.ID == id })
		if i < 0 {
			return nil, notFound("participant", id)
		}
		a.Participants = append(a.Participants[:i], a.Participants[i+1:]...)
		ed.Record("participant.deleted", callerFrom(r.Context()).actor(), map[string]any{"participant": id})
		return nil, nil
	})
}

func indexOf[T any](xs []T, match func(T) bool) int {
	for i, x := range xs {
		if match(x) {
			return i
		}
	}
	return -1
}

func statusFor(id string) int {
	if id == "" {
		return http.StatusCreated
	}
	return http.StatusOK
}

func eventName(kind, id string) string {
	if id == "" {
		return kind + ".added"
	}
	return kind + ".updated"
}

func notFound(kind, id string) error {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: fmt.Sprintf("%s %s not found", kind, id)}
}

func inUse(kind, id, participant string) error {
	return &apiError{Status: http.StatusConflict, Code: "in_use",
		Message: fmt.Sprintf("%s %s is still named by participant %s", kind, id, participant)}
}

func invalidField(field, msg string) error {
	return invalidFieldRule(field, "", msg)
}

// invalidFieldRule is invalidField naming the broken rule (see fieldError).
func invalidFieldRule(field, rule, msg string) error {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: msg,
		Fields: []fieldError{{Field: field, Message: msg, Rule: rule}}}
}
