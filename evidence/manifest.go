package evidence

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/signroom/signroom/signatures"
)

// FormatVersion is the manifest "format" value this package writes and reads.
const FormatVersion = "signroom-evidence/2"

// ErrManifest reports a manifest or manifest seal that is malformed or invalid.
var ErrManifest = errors.New("invalid manifest")

// Manifest is the evidence manifest, data/manifest.json in a bundle.
// Paths are bag-relative (they start with "data/"). Hashes are lowercase
// hex SHA-256, times RFC 3339 UTC.
type Manifest struct {
	Format       string        `json:"format"`
	Agreement    Agreement     `json:"agreement"`
	Parties      []Party       `json:"parties"`
	Venues       []Venue       `json:"venues"`
	Participants []Participant `json:"participants"`
	Documents    []Document    `json:"documents"`
	Signatures   []Signature   `json:"signatures"`
	Recordings   []Recording   `json:"recordings,omitempty"`
	Timeline     *Timeline     `json:"timeline,omitempty"`
	Audit        Audit         `json:"audit"`
	SealedPDF    PDFRef        `json:"sealed_pdf"`
	SealedAt     time.Time     `json:"sealed_at"`
}

// Agreement describes the agreement: titles per language and retention.
type Agreement struct {
	ID             string            `json:"id"`
	Titles         map[string]string `json:"titles"`
	Languages      []string          `json:"languages"`
	RetentionUntil time.Time         `json:"retention_until"`
}

// Party is a signing party; Names maps language to the party's name.
type Party struct {
	ID    string            `json:"id"`
	Names map[string]string `json:"names"`
}

// Venue is a place a ceremony is held: its names per language (language -> name), where it
// is (free text, optional) and its IANA time zone.
type Venue struct {
	ID       string            `json:"id"`
	Names    map[string]string `json:"names"`
	Place    string            `json:"place,omitempty"`
	TimeZone string            `json:"time_zone"`
}

// RoleSignatory is the participant role that must sign before sealing.
const RoleSignatory = "signatory"

// Participant is a person or room taking part; Role is RoleSignatory,
// "host", "witness", "observer" or "venue".
type Participant struct {
	ID      string `json:"id"`
	PartyID string `json:"party_id,omitempty"`
	VenueID string `json:"venue_id,omitempty"`
	Name    string `json:"name"`
	Title   string `json:"title,omitempty"`
	Role    string `json:"role"`
}

// Document is one frozen document version and where its bytes are in the bag.
type Document struct {
	ID        string `json:"id"`
	Language  string `json:"language"`
	Filename  string `json:"filename"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Pages     int    `json:"pages"`
	ObjectKey string `json:"object_key,omitempty"`
	Path      string `json:"path"`
}

// FileRef names a file in the bag with its hash and size.
type FileRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// PDFRef names the sealed PDF in the bag. It carries no hash: the sealed PDF embeds this
// manifest, so the manifest cannot hold the PDF's hash; the PDF's own certification
// signature, by the same seal key, protects it.
type PDFRef struct {
	Path string `json:"path"`
}

// Signature is one signer's signature: the compact JWS exactly as
// received, the registered JWK and its RFC 7638 thumbprint.
type Signature struct {
	ParticipantID string         `json:"participant_id"`
	JWS           string         `json:"jws"`
	JWK           signatures.JWK `json:"jwk"`
	Thumbprint    string         `json:"thumbprint"`
	SignedAt      time.Time      `json:"signed_at"`
	Still         *FileRef       `json:"still,omitempty"`
	Drawing       *FileRef       `json:"drawing,omitempty"`
}

// Recording is one recorded segment: a WebM file with one participant's camera and
// microphone (Kinds "audio", "video") or screen share from one connection. Path is empty
// when the bundle carries only the hash, not the file; ObjectKey is then where the archive
// keeps it. StartedAt is the wall-clock time of the file's time zero (Clock "rtcp-sr": the
// sender's clock from its RTCP sender reports; "arrival": when the media reached the
// server), StartOffsetMS its place on the Timeline.
type Recording struct {
	ID            string    `json:"id,omitempty"`
	ParticipantID string    `json:"participant_id"`
	Source        string    `json:"source,omitempty"`
	Kinds         []string  `json:"kinds,omitempty"`
	Filename      string    `json:"filename"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	StartedAt     time.Time `json:"started_at,omitzero"`
	Clock         string    `json:"clock,omitempty"`
	DurationMS    int64     `json:"duration_ms,omitempty"`
	StartOffsetMS int64     `json:"start_offset_ms"`
	ObjectKey     string    `json:"object_key,omitempty"`
	Path          string    `json:"path,omitempty"`
}

// Audit points at the audit log (JSON Lines of signatures.Event) and
// anchors its head so that truncation is detected.
type Audit struct {
	FileRef
	Events int    `json:"events"`
	Head   string `json:"head"`
}

// SignedManifest is a manifest sealed by the service.
type SignedManifest struct {
	JSON    []byte // data/manifest.json: the exact bytes that were signed
	JWS     []byte // data/manifest.jws: compact JWS, ES256, x5c, payload = JSON
	Sig     []byte // data/manifest.json.sig: DER ECDSA-SHA256 signature over JSON
	CertPEM []byte // data/seal-cert.pem: the seal certificate
}

// MarshalManifest returns the manifest JSON as stored: two-space indented,
// struct field order, trailing newline.
func MarshalManifest(m Manifest) ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("marshal manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// SignManifest seals m: it marshals it and signs the bytes twice with the
// seal key, as a compact JWS (ES256, header {"alg","typ":"JOSE","x5c"}, so
// any JOSE library can check it) and as a DER ECDSA signature (so openssl
// dgst -sha256 -verify can check it).
func SignManifest(m Manifest, s *Sealer) (SignedManifest, error) {
	if m.Format == "" {
		m.Format = FormatVersion
	}
	body, err := MarshalManifest(m)
	if err != nil {
		return SignedManifest{}, err
	}
	chain := []string{base64.StdEncoding.EncodeToString(s.Cert.Raw)}
	for _, c := range s.Chain {
		chain = append(chain, base64.StdEncoding.EncodeToString(c.Raw))
	}
	hdr, _ := json.Marshal(map[string]any{"alg": "ES256", "typ": "JOSE", "x5c": chain})
	input := b64url(hdr) + "." + b64url(body)
	sig, err := jwt.SigningMethodES256.Sign(input, s.Key)
	if err != nil {
		return SignedManifest{}, fmt.Errorf("sign manifest: %w", err)
	}
	digest := sha256.Sum256(body)
	der, err := ecdsa.SignASN1(rand.Reader, s.Key, digest[:])
	if err != nil {
		return SignedManifest{}, fmt.Errorf("sign manifest: %w", err)
	}
	jws := input + "." + b64url(sig)
	return SignedManifest{JSON: body, JWS: []byte(jws), Sig: der, CertPEM: CertPEM(s.Cert)}, nil
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// VerifyManifestJWS checks a manifest JWS: ES256 only, header members alg,
// typ and x5c only, signature valid under the x5c leaf certificate's key.
// It returns the payload and the leaf certificate. Trust in the certificate
// is the caller's decision.
func VerifyManifestJWS(jws []byte) ([]byte, *x509.Certificate, error) {
	parts := strings.Split(string(jws), ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("%w: JWS needs 3 parts", ErrManifest)
	}
	hb, err := base64.RawURLEncoding.Strict().DecodeString(parts[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: header: %v", ErrManifest, err)
	}
	var hdr struct {
		Alg string   `json:"alg"`
		Typ string   `json:"typ"`
		X5C []string `json:"x5c"`
	}
	dec := json.NewDecoder(bytes.NewReader(hb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&hdr); err != nil || hdr.Alg != "ES256" || len(hdr.X5C) == 0 {
		return nil, nil, fmt.Errorf("%w: header must be ES256 with x5c", ErrManifest)
	}
	der, err := base64.StdEncoding.DecodeString(hdr.X5C[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: x5c: %v", ErrManifest, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: x5c: %v", ErrManifest, err)
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, fmt.Errorf("%w: seal key is %T, want ECDSA", ErrManifest, cert.PublicKey)
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: signature encoding: %v", ErrManifest, err)
	}
	if err := jwt.SigningMethodES256.Verify(parts[0]+"."+parts[1], sig, pub); err != nil {
		return nil, nil, fmt.Errorf("%w: signature: %v", ErrManifest, err)
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrManifest, err)
	}
	return payload, cert, nil
}

// ParseManifest decodes manifest JSON strictly (unknown members refused)
// and checks its format version.
func ParseManifest(b []byte) (Manifest, error) {
	var head struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err == nil && head.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("%w: format %q; this verifier reads %q", ErrManifest, head.Format, FormatVersion)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%w: %v", ErrManifest, err)
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("%w: format %q, want %q", ErrManifest, m.Format, FormatVersion)
	}
	return m, nil
}
