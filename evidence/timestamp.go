package evidence

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// PathManifestTimestamp is the bag path of the RFC 3161 time-stamp token over the SHA-256
// of data/manifest.json (a DER TimeStampToken). It sits beside the manifest it attests and
// is not named by it; a token obtained after sealing is published beside the bundle as the
// supplementary file ManifestTimestampFile.
const PathManifestTimestamp = "data/manifest.json.tsr"

// ManifestTimestampFile is the name of a supplementary manifest time-stamp token, added
// beside the archived bundle when no TSA answered at sealing.
const ManifestTimestampFile = "manifest.json.tsr"

// ErrTimestamp reports a time-stamp token that is malformed, not over the expected hash,
// or not signed by its TSA certificate; ErrUntrustedTSA one whose TSA does not chain to a
// given root.
var (
	ErrTimestamp    = errors.New("time-stamp token")
	ErrUntrustedTSA = errors.New("time-stamp authority not trusted")
)

// Attestation is what a verified time-stamp token attests.
type Attestation struct {
	Time     time.Time     // the TSA's genTime, UTC
	Accuracy time.Duration // 0: not stated
	TSA      string        // the TSA certificate's subject
	Root     string        // the trusted root it chains to; "" when no roots were given
}

// VerifyTimestamp checks token, a DER TimeStampToken: its CMS signature by the TSA
// certificate it must carry, that its message imprint is SHA-256 digest, and, when roots
// is not nil, that the TSA certificate chains to one of roots for time stamping at the
// attested time. Errors wrap ErrTimestamp or ErrUntrustedTSA.
func VerifyTimestamp(token, digest []byte, roots *x509.CertPool) (a Attestation, err error) {
	defer func() {
		if r := recover(); r != nil { // the CMS parser is not hardened against every input
			a, err = Attestation{}, fmt.Errorf("%w: malformed (%v)", ErrTimestamp, r)
		}
	}()
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return a, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	signer := p7.GetOnlySigner()
	if signer == nil {
		return a, fmt.Errorf("%w: it must carry its TSA's certificate and have one signer", ErrTimestamp)
	}
	ts, err := timestamp.Parse(token) // verifies the CMS signature by the carried certificate
	if err != nil {
		return a, fmt.Errorf("%w: %v", ErrTimestamp, err)
	}
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, digest) {
		return a, fmt.Errorf("%w: its message imprint is not the SHA-256 of what it should attest (a token over another hash)", ErrTimestamp)
	}
	a = Attestation{Time: ts.Time.UTC(), Accuracy: ts.Accuracy, TSA: signer.Subject.String()}
	if roots == nil {
		return a, nil
	}
	inter := x509.NewCertPool()
	for _, c := range p7.Certificates {
		inter.AddCert(c)
	}
	chains, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: a.Time,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	if err != nil {
		return a, fmt.Errorf("%w: TSA %q: %v", ErrUntrustedTSA, a.TSA, err)
	}
	a.Root = chains[0][len(chains[0])-1].Subject.String()
	return a, nil
}

// ParseTSARoots reads PEM CERTIFICATE blocks (the TSA roots a verifier trusts).
func ParseTSARoots(source string, data []byte) (*x509.CertPool, error) {
	certs, err := parseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTrust, source, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: %s: no PEM certificate", ErrTrust, source)
	}
	return pool, nil
}

// timeCheck reports a time-stamp token over digest as check name: absent, it passes
// saying the time is not attested (claim is the service's own time); present, it must
// verify, and with roots given its TSA must chain to one of them. Without roots it passes
// saying the TSA was not checked: trust in the TSA, like the log key, is an anchor the
// verifier adds; only the seal's trust decides "seal unverified".
func timeCheck(rep *Report, name string, token, digest []byte, roots *x509.CertPool, what, claim string) *Attestation {
	if token == nil {
		rep.pass(name, "time not attested: no time-stamp token on the "+what+"; "+claim+" is the service's own claim")
		return nil
	}
	a, err := VerifyTimestamp(token, digest, roots)
	if err != nil {
		rep.fail(name, what+": "+err.Error())
		return nil
	}
	detail := fmt.Sprintf("%s time-stamped at %s by %q (service claims %s)", what, a.Time.Format(time.RFC3339), a.TSA, claim)
	if roots == nil {
		rep.pass(name, detail+"; TSA not checked against a trusted root (none was given: --tsa-roots)")
		return &a
	}
	rep.pass(name, detail+", TSA chains to "+fmt.Sprintf("%q", a.Root))
	return &a
}

// manifestTime adds the "trusted time" check: the bundle's token, else a supplementary
// one given in opt, over the manifest's SHA-256.
func (v *bundleVerifier) manifestTime(m Manifest, token []byte) *Attestation {
	body, _ := v.src.read(PathManifest)
	sum := sha256.Sum256(body)
	return timeCheck(v.rep, CheckTrustedTime, token, sum[:], v.tsaRoots, "manifest", "sealed_at "+m.SealedAt.UTC().Format(time.RFC3339))
}

// pdfTime adds the "pdf timestamp" check for a sealed PDF's signature-time-stamp.
func pdfTime(rep *Report, sp *sealedPDF, roots *x509.CertPool, claim time.Time) {
	sum := sha256.Sum256(sp.sigValue)
	c := "signing time " + claim.UTC().Format(time.RFC3339)
	if claim.IsZero() {
		c = "its signing time"
	}
	timeCheck(rep, CheckPDFTimestamp, sp.timestamp, sum[:], roots, "PDF signature", c)
}

// attestTime adds the "trusted time" check for the bundle's manifest token, or the
// supplementary one when the bundle has none, and records the attested time.
func (v *bundleVerifier) attestTime(m Manifest, supplementary []byte) {
	token := supplementary
	if _, ok := v.bag.files[PathManifestTimestamp]; ok {
		var err error
		if token, err = v.src.read(PathManifestTimestamp); err != nil {
			v.rep.fail(CheckTrustedTime, err.Error())
			return
		}
	}
	a := v.manifestTime(m, token)
	if a != nil && v.rep.Record != nil {
		v.rep.Record.TimeAttested = &RecordTime{Time: a.Time, TSA: a.TSA, Trusted: a.Root != ""}
	}
}
