package archive

import (
	"time"
)

// LegalHold is a legal hold placed on a record: while it stands, none of the record's archived
// objects can be deleted or overwritten, whatever their retention date.
type LegalHold struct {
	AgreementID string
	PlacedAt    time.Time
	PlacedBy    string // the staff user's id
	Reason      string
}
