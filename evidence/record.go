package evidence

import (
	"crypto/x509"
	"slices"
	"time"
)

// Record is what a verified record says, for a person to read beside the checks: the
// agreement, its parties, each signer with their signing time in UTC and in their venue's
// time zone, the documents and recordings with their hashes, and the seal. It is filled
// from the manifest once the manifest's seal verified; whether to believe it is the
// report's verdict.
type Record struct {
	AgreementID string            `json:"agreement_id"`
	Titles      map[string]string `json:"titles"`
	Languages   []string          `json:"languages"`
	SealedAt    time.Time         `json:"sealed_at"`
	Parties     []Party           `json:"parties"`
	Signers     []RecordSigner    `json:"signers"`
	Documents   []RecordDocument  `json:"documents"`
	Recordings  []RecordRecording `json:"recordings,omitempty"`
	Seal        RecordSeal        `json:"seal"`
	// TimeAttested is the time a TSA attests it saw the manifest (nil: time not
	// attested, SealedAt is the service's own claim).
	TimeAttested *RecordTime `json:"time_attested,omitempty"`
	// Log says where the transparency log holds the manifest (nil: not logged).
	Log *RecordLog `json:"log,omitempty"`
}

// RecordLog is a record's place in a transparency log.
type RecordLog struct {
	Origin string `json:"origin"`
	Index  uint64 `json:"index"`
	Size   uint64 `json:"size"`   // of the checkpoint the inclusion was proven in
	Signed bool   `json:"signed"` // the checkpoint's signature was checked with the log key
}

// RecordTime is a time a time-stamp authority attests.
type RecordTime struct {
	Time    time.Time `json:"time"`
	TSA     string    `json:"tsa"`
	Trusted bool      `json:"trusted"` // the TSA chains to a root the verifier was given
}

// RecordSigner is one signature as a reader sees it.
type RecordSigner struct {
	ParticipantID string            `json:"participant_id"`
	Name          string            `json:"name"`
	Title         string            `json:"title"`
	Role          string            `json:"role"`
	PartyID       string            `json:"party_id"`
	PartyNames    map[string]string `json:"party_names"`
	VenueNames    map[string]string `json:"venue_names"`
	Place         string            `json:"place,omitempty"`
	TimeZone      string            `json:"time_zone"`
	SignedAt      time.Time         `json:"signed_at"`       // UTC
	SignedAtLocal string            `json:"signed_at_local"` // in the venue's zone, e.g. "2020-05-29 15:10:00 KST"
	Thumbprint    string            `json:"thumbprint"`
}

// RecordDocument is one signed document version.
type RecordDocument struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	Filename string `json:"filename"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Pages    int    `json:"pages"`
}

// RecordRecording is one recording, with whether its bytes are in the file verified.
type RecordRecording struct {
	ParticipantID string `json:"participant_id"`
	Filename      string `json:"filename"`
	SHA256        string `json:"sha256"`
	Size          int64  `json:"size"`
	Included      bool   `json:"included"`
}

// RecordSeal describes the seal certificate.
type RecordSeal struct {
	Subject   string    `json:"subject"`
	SHA256    string    `json:"sha256"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// newRecord summarises m, sealed with cert; included says whether a recording's bytes are
// in the file.
func newRecord(m Manifest, cert *x509.Certificate, included func(Recording) bool) *Record {
	r := &Record{AgreementID: m.Agreement.ID, Titles: m.Agreement.Titles, Languages: m.Agreement.Languages,
		SealedAt: m.SealedAt.UTC(), Parties: m.Parties}
	if cert != nil {
		r.Seal = RecordSeal{Subject: cert.Subject.String(), SHA256: CertFingerprint(cert), NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
	}
	for _, s := range m.Signatures {
		r.Signers = append(r.Signers, recordSigner(m, s))
	}
	for _, d := range m.Documents {
		r.Documents = append(r.Documents, RecordDocument{d.ID, d.Language, d.Filename, d.SHA256, d.Size, d.Pages})
	}
	for _, rec := range m.Recordings {
		r.Recordings = append(r.Recordings, RecordRecording{rec.ParticipantID, rec.Filename, rec.SHA256, rec.Size, included(rec)})
	}
	return r
}

func recordSigner(m Manifest, s Signature) RecordSigner {
	rs := RecordSigner{ParticipantID: s.ParticipantID, SignedAt: s.SignedAt.UTC(), Thumbprint: s.Thumbprint}
	if p := findParticipant(m, s.ParticipantID); p != nil {
		rs.Name, rs.Title, rs.Role, rs.PartyID = p.Name, p.Title, p.Role, p.PartyID
		if i := slices.IndexFunc(m.Parties, func(pt Party) bool { return pt.ID == p.PartyID }); i >= 0 {
			rs.PartyNames = m.Parties[i].Names
		}
		if i := slices.IndexFunc(m.Venues, func(v Venue) bool { return v.ID == p.VenueID }); i >= 0 {
			rs.VenueNames, rs.Place, rs.TimeZone = m.Venues[i].Names, m.Venues[i].Place, m.Venues[i].TimeZone
		}
	}
	if loc, err := time.LoadLocation(rs.TimeZone); err == nil && rs.TimeZone != "" {
		rs.SignedAtLocal = s.SignedAt.In(loc).Format("2006-01-02 15:04:05 MST")
	}
	return rs
}
