package evidence

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrTrust reports a trust list, certificate or fingerprint that cannot be used.
var ErrTrust = errors.New("unusable trust anchor")

// SealListFormat is the "format" of a published seal certificate list.
const SealListFormat = "signroom-seal-certificates/1"

// SealListPath is where a Signroom service publishes its seal certificates.
const SealListPath = "/.well-known/signroom/seal-certificates.json"

// Trust is the set of seal certificates a verifier accepts. A record sealed
// by any other certificate fails the "seal trust" check; with an empty Trust
// that check is reported as unverified, and the verdict is "seal unverified",
// never valid.
type Trust struct {
	Seals []TrustedSeal
}

// TrustedSeal is one accepted seal certificate, known by the SHA-256 of its
// DER encoding. RetiredAt, when set, is when the service stopped sealing
// with it: a record claiming a later seal time is refused.
type TrustedSeal struct {
	SHA256    string
	RetiredAt *time.Time
	Source    string // where the verifier learnt of it: a file, a flag, a URL
}

// Empty reports whether no seal certificate is trusted.
func (t Trust) Empty() bool { return len(t.Seals) == 0 }

// Add appends other's certificates to t.
func (t *Trust) Add(other Trust) { t.Seals = append(t.Seals, other.Seals...) }

// TrustCerts trusts the given certificates.
func TrustCerts(source string, certs ...*x509.Certificate) Trust {
	var t Trust
	for _, c := range certs {
		t.Seals = append(t.Seals, TrustedSeal{SHA256: CertFingerprint(c), Source: source})
	}
	return t
}

// TrustFingerprint trusts the certificate with the given SHA-256 fingerprint:
// 64 hex digits, optionally separated by colons or spaces, any case.
func TrustFingerprint(source, fp string) (Trust, error) {
	clean := strings.ToLower(strings.NewReplacer(":", "", " ", "").Replace(strings.TrimSpace(fp)))
	if b, err := hex.DecodeString(clean); err != nil || len(b) != 32 {
		return Trust{}, fmt.Errorf("%w: fingerprint %q: want the 64 hex digits of a SHA-256", ErrTrust, fp)
	}
	return Trust{Seals: []TrustedSeal{{SHA256: clean, Source: source}}}, nil
}

// ParseTrust reads trusted seal certificates from data: one or more PEM
// CERTIFICATE blocks, or a published seal certificate list (JSON).
func ParseTrust(source string, data []byte) (Trust, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		l, err := ParseSealList(data)
		if err != nil {
			return Trust{}, err
		}
		return l.Trust(source)
	}
	certs, err := parseCertificates(data)
	if err != nil {
		return Trust{}, fmt.Errorf("%w: %s: %v", ErrTrust, source, err)
	}
	if len(certs) == 0 {
		return Trust{}, fmt.Errorf("%w: %s: no PEM certificate and not a seal certificate list", ErrTrust, source)
	}
	return TrustCerts(source, certs...), nil
}

// find returns the trusted seal with cert's fingerprint.
func (t Trust) find(cert *x509.Certificate) (TrustedSeal, bool) {
	fp := CertFingerprint(cert)
	i := slices.IndexFunc(t.Seals, func(s TrustedSeal) bool { return s.SHA256 == fp })
	if i < 0 {
		return TrustedSeal{}, false
	}
	return t.Seals[i], true
}

// judge decides whether cert may have sealed a record at sealedAt (zero
// when unknown). It returns the detail of a passing check or an error.
func (t Trust) judge(cert *x509.Certificate, sealedAt time.Time) (string, error) {
	fp := CertFingerprint(cert)
	ts, ok := t.find(cert)
	switch {
	case !ok:
		return "", fmt.Errorf("seal certificate %s (%q) is not one of the %d trusted seal certificates: sealed by someone else, or re-sealed", fp, cert.Subject.String(), len(t.Seals))
	case !sealedAt.IsZero() && (sealedAt.Before(cert.NotBefore) || sealedAt.After(cert.NotAfter)):
		return "", fmt.Errorf("sealed at %s, outside the certificate's validity %s to %s", sealedAt.UTC().Format(time.RFC3339),
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	case !sealedAt.IsZero() && ts.RetiredAt != nil && sealedAt.After(*ts.RetiredAt):
		return "", fmt.Errorf("sealed at %s, after the certificate was retired at %s", sealedAt.UTC().Format(time.RFC3339), ts.RetiredAt.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("seal certificate %s (%q) is trusted (%s)", fp, cert.Subject.String(), ts.Source), nil
}

// sealTrust adds the "seal trust" check for cert to rep.
func sealTrust(rep *Report, t Trust, cert *x509.Certificate, sealedAt time.Time) {
	if cert == nil {
		rep.fail(CheckSealTrust, "no seal certificate could be read")
		return
	}
	if t.Empty() {
		rep.unverified(CheckSealTrust, fmt.Sprintf("seal unverified: no trusted seal certificate was given, so anyone could have made this seal; "+
			"compare certificate SHA-256 %s (%q) with the service's published list, or verify with it", CertFingerprint(cert), cert.Subject.String()))
		return
	}
	detail, err := t.judge(cert, sealedAt)
	rep.result(CheckSealTrust, err, detail)
}

// SealList is the list of seal certificates a Signroom service publishes at
// SealListPath: every certificate it has sealed with, current or retired.
type SealList struct {
	Format       string       `json:"format"`
	Installation Installation `json:"installation"`
	GeneratedAt  time.Time    `json:"generated_at"`
	Certificates []SealEntry  `json:"certificates"`
}

// Installation names who runs a Signroom service and where.
type Installation struct {
	Operator  string `json:"operator"`
	PublicURL string `json:"public_url"`
}

// SealEntry is one published seal certificate. FirstSealedAt, LastSealedAt
// and Seals describe the records it sealed (none yet: null and 0).
type SealEntry struct {
	SHA256        string     `json:"sha256"`
	PEM           string     `json:"pem"`
	Subject       string     `json:"subject"`
	NotBefore     time.Time  `json:"not_before"`
	NotAfter      time.Time  `json:"not_after"`
	InUseSince    time.Time  `json:"in_use_since"`
	RetiredAt     *time.Time `json:"retired_at"`
	FirstSealedAt *time.Time `json:"first_sealed_at"`
	LastSealedAt  *time.Time `json:"last_sealed_at"`
	Seals         int        `json:"seals"`
	Current       bool       `json:"current"`
}

// NewSealEntry describes cert for a SealList.
func NewSealEntry(cert *x509.Certificate) SealEntry {
	return SealEntry{SHA256: CertFingerprint(cert), PEM: string(CertPEM(cert)), Subject: cert.Subject.String(),
		NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
}

// ParseSealList decodes a published seal certificate list strictly.
func ParseSealList(data []byte) (SealList, error) {
	var l SealList
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, fmt.Errorf("%w: seal certificate list: %v", ErrTrust, err)
	}
	if l.Format != SealListFormat {
		return l, fmt.Errorf("%w: seal certificate list format %q, want %q", ErrTrust, l.Format, SealListFormat)
	}
	return l, nil
}

// Trust returns the list's certificates as a Trust. Each entry's PEM must
// parse and match its sha256; a list that names no certificate is refused.
func (l SealList) Trust(source string) (Trust, error) {
	var t Trust
	for i, e := range l.Certificates {
		block, _ := pem.Decode([]byte(e.PEM))
		if block == nil || block.Type != "CERTIFICATE" {
			return Trust{}, fmt.Errorf("%w: seal certificate list entry %d: no PEM certificate", ErrTrust, i+1)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return Trust{}, fmt.Errorf("%w: seal certificate list entry %d: %v", ErrTrust, i+1, err)
		}
		if CertFingerprint(c) != strings.ToLower(e.SHA256) {
			return Trust{}, fmt.Errorf("%w: seal certificate list entry %d: sha256 %s does not match its certificate", ErrTrust, i+1, e.SHA256)
		}
		t.Seals = append(t.Seals, TrustedSeal{SHA256: CertFingerprint(c), RetiredAt: e.RetiredAt, Source: source})
	}
	if t.Empty() {
		return Trust{}, fmt.Errorf("%w: seal certificate list names no certificate", ErrTrust)
	}
	return t, nil
}
