package agreement

import "time"

// SignerKey is a participant's registered public signing key: an EC P-256 JWK (kept as its
// JSON text, the domain does not parse keys) and its RFC 7638 thumbprint. A participant has
// at most one key that is not reset; a reset key stays on record.
type SignerKey struct {
	AgreementID   string
	ParticipantID string
	JWK           string // JSON of the public JWK
	Thumbprint    string
	RegisteredAt  time.Time
	ResetAt       time.Time // zero while the key is bound
}

// Nonce is a single-use signing nonce issued to one participant. Only its SHA-256 is kept.
// ChainHead is the audit chain head when it was issued: the head the signature must name.
type Nonce struct {
	Hash          string // lowercase hex SHA-256 of the nonce value
	AgreementID   string
	ParticipantID string
	ChainHead     string
	IssuedAt      time.Time
	ExpiresAt     time.Time
	UsedAt        time.Time // zero until a signature consumes it
}

// Signature is a signature the service accepted: the compact JWS exactly as received, the
// key it verified with, and where the optional camera still and drawing are stored.
type Signature struct {
	AgreementID   string
	ParticipantID string
	Role          Role
	JWS           string
	JWK           string // JSON of the public JWK
	Thumbprint    string
	SignedAt      time.Time // the statement's iat
	RecordedAt    time.Time
	StillKey      string // working-store key, empty without a still
	StillSHA256   string
	DrawingKey    string
	DrawingSHA256 string
}

// SealStatus is how far sealing an agreement got.
type SealStatus string

// Seal statuses: the artifacts are built and staged in the working store, then written to
// the archive and the agreement sealed.
const (
	SealStaged SealStatus = "staged"
	SealDone   SealStatus = "sealed"
)

// Artifact is one sealed file: its object key in the archive, its staging key in the working
// store, its SHA-256 and size, and the archive version that holds those bytes (recorded when
// it is archived; every read of the artifact reads that version).
type Artifact struct {
	Name       string `json:"name"` // "sealed.pdf", "manifest.json", "manifest.jws", "bundle.zip"
	ArchiveKey string `json:"archive_key"`
	VersionID  string `json:"version_id,omitempty"`
	StagingKey string `json:"staging_key"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
}

// Seal records the sealing of an agreement. Its artifacts are built once (staged) and only
// ever copied to the archive from there, so a retry writes the same bytes.
type Seal struct {
	AgreementID string
	Status      SealStatus
	SealedAt    time.Time // the manifest's sealed_at
	RetainUntil time.Time
	AuditHead   string // the audit head the manifest anchors
	AuditEvents int
	Artifacts   []Artifact
	StagedAt    time.Time
	CompletedAt time.Time // zero until sealed
	SealCert    string    // hex SHA-256 of the seal certificate it was made with
}

// SealCert is a seal certificate the service has used, and the records it sealed.
type SealCert struct {
	SHA256        string
	PEM           string
	InUseSince    time.Time
	RetiredAt     time.Time // zero while in use
	FirstSealedAt time.Time // zero when it sealed nothing yet
	LastSealedAt  time.Time
	Seals         int
}

// Artifact returns the artifact with the given name.
func (s Seal) Artifact(name string) (Artifact, bool) {
	for _, a := range s.Artifacts {
		if a.Name == name {
			return a, true
		}
	}
	return Artifact{}, false
}

// SigningState is what a store hands to the check that decides whether a signature may be
// recorded, read inside the transaction that records it.
type SigningState struct {
	Agreement  *Agreement
	Signatures []Signature
	Nonce      *Nonce // nil when the store knows no such nonce
	Sealing    bool   // a seal is staged or done: no more signatures
	// NonceStale reports that a signature was recorded after the nonce's chain head: a
	// statement anchored there would not cover that signature, so it is refused.
	NonceStale bool
}

// Signed reports whether participant id has a recorded signature.
func (st SigningState) Signed(id string) bool {
	for _, s := range st.Signatures {
		if s.ParticipantID == id {
			return true
		}
	}
	return false
}
