// Package agreement is Signroom's domain: agreements, their parties, venues, participants and
// document versions, the lifecycle that moves an agreement from draft to sealed, and the domain
// errors the adapters map to their own vocabularies. It imports only the standard library.
package agreement

import (
	"maps"
	"slices"
	"sort"
	"time"
)

// State is where an agreement is in its lifecycle.
type State string

// The lifecycle: draft → scheduled → live → signing → sealed; draft and scheduled can be
// cancelled. Sealed and cancelled are final.
const (
	StateDraft     State = "draft"
	StateScheduled State = "scheduled"
	StateLive      State = "live"
	StateSigning   State = "signing"
	StateSealed    State = "sealed"
	StateCancelled State = "cancelled"
)

// SigningOrder says whether signatories may sign in any order or one after another.
type SigningOrder string

// Signing orders.
const (
	OrderParallel   SigningOrder = "parallel"
	OrderSequential SigningOrder = "sequential"
)

// Role is a participant's part in the ceremony.
type Role string

// Participant roles.
const (
	RoleHost      Role = "host"
	RoleSignatory Role = "signatory"
	RoleWitness   Role = "witness"
	RoleObserver  Role = "observer"
	RoleVenue     Role = "venue"
)

// Localized is text in one or more languages, keyed by BCP 47 tag ("ko", "zh", "en").
type Localized map[string]string

// Agreement is one agreement to be signed in a ceremony.
type Agreement struct {
	ID            string
	Owner         string // staff user id of the organizer who created it
	Title         Localized
	Description   Localized
	State         State
	SigningOrder  SigningOrder
	RetentionDays int
	// RecordingOff: the organizer turned recording off (before the ceremony went live).
	RecordingOff bool
	ScheduledAt  time.Time // planned start of the ceremony, zero if unset
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Parties      []Party
	Venues       []Venue
	Participants []Participant
	Documents    []Document
}

// Party is a signing party: a government, a company, an association.
type Party struct {
	ID      string
	Name    Localized
	Country string // ISO 3166-1 alpha-2
}

// Venue is a room where part of the ceremony takes place.
type Venue struct {
	ID       string
	Name     Localized
	Place    string
	TimeZone string // IANA name, e.g. Asia/Seoul
}

// Participant is a person or room camera invited to the ceremony.
type Participant struct {
	ID      string
	Name    string
	Title   string
	PartyID string // empty for participants who do not represent a party
	VenueID string
	Role    Role
	Order   int // position in a sequential signing order; 0 when not a signatory
}

// Document is one language version of the agreement's text, a PDF.
type Document struct {
	ID        string
	Language  string
	Filename  string
	SHA256    string // lowercase hex of the PDF bytes
	Size      int64
	Pages     int
	ObjectKey string
	CreatedAt time.Time
}

// Grants are what an invitation allows its holder to do in the ceremony.
type Grants struct {
	Publish   bool
	Subscribe bool
	Sign      bool
	Host      bool
}

// GrantsFor returns the grants a participant role carries.
func GrantsFor(r Role) Grants {
	switch r {
	case RoleHost:
		return Grants{Publish: true, Subscribe: true, Host: true}
	case RoleSignatory:
		return Grants{Publish: true, Subscribe: true, Sign: true}
	case RoleWitness:
		return Grants{Publish: true, Subscribe: true, Sign: true}
	case RoleVenue:
		return Grants{Publish: true, Subscribe: true}
	default:
		return Grants{Subscribe: true}
	}
}

// Signatories returns the participants who must sign, in signing order.
func (a *Agreement) Signatories() []Participant {
	var out []Participant
	for _, p := range a.Participants {
		if p.Role == RoleSignatory {
			out = append(out, p)
		}
	}
	sortByOrder(out)
	return out
}

func sortByOrder(ps []Participant) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Order < ps[j-1].Order; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// Participant returns the participant with the given id.
func (a *Agreement) Participant(id string) (Participant, bool) {
	for _, p := range a.Participants {
		if p.ID == id {
			return p, true
		}
	}
	return Participant{}, false
}

// Editable reports whether the agreement's content may still change.
func (a *Agreement) Editable() bool { return a.State == StateDraft }

// DefaultRetentionDays is how long sealed evidence is kept when an agreement sets no
// retention: ten years.
const DefaultRetentionDays = 3650

// Languages are the languages of the agreement's documents, sorted.
func (a *Agreement) Languages() []string {
	var out []string
	for _, d := range a.Documents {
		if !slices.Contains(out, d.Language) {
			out = append(out, d.Language)
		}
	}
	sort.Strings(out)
	return out
}

// Pick returns the text for lang, else for the first of prefer that has one, else the
// first by language tag.
func (l Localized) Pick(lang string, prefer []string) string {
	if t := l[lang]; t != "" {
		return t
	}
	for _, p := range prefer {
		if t := l[p]; t != "" {
			return t
		}
	}
	for _, k := range slices.Sorted(maps.Keys(l)) {
		if l[k] != "" {
			return l[k]
		}
	}
	return ""
}

// Unsigned counts the signatories for whom signed is false.
func (a *Agreement) Unsigned(signed func(participantID string) bool) int {
	n := 0
	for _, p := range a.Signatories() {
		if !signed(p.ID) {
			n++
		}
	}
	return n
}
