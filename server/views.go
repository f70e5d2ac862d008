package server

import (
	"time"

	"crypto/rand"
	"encoding/base32"
	"strings"

	"github.com/signroom/signroom/agreement"
)

type partyView struct {
	ID      string            `json:"id"`
	Name    map[string]string `json:"name"`
	Country string            `json:"country"`
}

type venueView struct {
	ID       string            `json:"id"`
	Name     map[string]string `json:"name"`
	Place    string            `json:"place"`
	TimeZone string            `json:"time_zone"`
}

type participantView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Title   string `json:"title"`
	PartyID string `json:"party_id,omitempty"`
	VenueID string `json:"venue_id"`
	Role    string `json:"role"`
	Order   int    `json:"order,omitempty"`
}

type documentView struct {
	ID        string    `json:"id"`
	Language  string    `json:"language"`
	Filename  string    `json:"filename"`
	SHA256    string    `json:"sha256"`
	Size      int64     `json:"size"`
	Pages     int       `json:"pages"`
	CreatedAt time.Time `json:"created_at"`
}

type agreementSummary struct {
	ID        string            `json:"id"`
	Title     map[string]string `json:"title"`
	State     string            `json:"state"`
	Owner     string            `json:"owner"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

type agreementView struct {
	agreementSummary
	Description   map[string]string `json:"description"`
	SigningOrder  string            `json:"signing_order"`
	RetentionDays int               `json:"retention_days"`
	Recording     bool              `json:"recording"` // the ceremony is recorded (not turned off)
	ScheduledAt   *time.Time        `json:"scheduled_at,omitempty"`
	Parties       []partyView       `json:"parties"`
	Venues        []venueView       `json:"venues"`
	Participants  []participantView `json:"participants"`
	Documents     []documentView    `json:"documents"`
}

func summaryOf(a *agreement.Agreement) agreementSummary {
	return agreementSummary{ID: a.ID, Title: nonNilMap(a.Title), State: string(a.State), Owner: a.Owner,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

func agreementViewOf(a *agreement.Agreement) agreementView {
	v := agreementView{agreementSummary: summaryOf(a), Description: nonNilMap(a.Description),
		SigningOrder: string(a.SigningOrder), RetentionDays: a.RetentionDays, Recording: !a.RecordingOff,
		Parties: []partyView{}, Venues: []venueView{}, Participants: []participantView{}, Documents: []documentView{}}
	if !a.ScheduledAt.IsZero() {
		t := a.ScheduledAt
		v.ScheduledAt = &t
	}
	for _, p := range a.Parties {
		v.Parties = append(v.Parties, partyView{ID: p.ID, Name: nonNilMap(p.Name), Country: p.Country})
	}
	for _, p := range a.Venues {
		v.Venues = append(v.Venues, venueView{ID: p.ID, Name: nonNilMap(p.Name), Place: p.Place, TimeZone: p.TimeZone})
	}
	for _, p := range a.Participants {
		v.Participants = append(v.Participants, participantViewOf(p))
	}
	for _, d := range a.Documents {
		v.Documents = append(v.Documents, documentViewOf(d))
	}
	return v
}

func participantViewOf(p agreement.Participant) participantView {
	return participantView{ID: p.ID, Name: p.Name, Title: p.Title, PartyID: p.PartyID, VenueID: p.VenueID,
		Role: string(p.Role), Order: p.Order}
}

func documentViewOf(d agreement.Document) documentView {
	return documentView{ID: d.ID, Language: d.Language, Filename: d.Filename, SHA256: d.SHA256, Size: d.Size,
		Pages: d.Pages, CreatedAt: d.CreatedAt}
}

func nonNilMap(m agreement.Localized) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// newID returns a random 128-bit identifier as 26 lowercase base32 characters.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
