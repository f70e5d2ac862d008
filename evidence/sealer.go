package evidence

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/signroom/signroom/internal/keyfile"
	"golang.org/x/crypto/pkcs12"
)

// ErrSealer reports a seal key or certificate that cannot be used.
var ErrSealer = errors.New("unusable seal key")

// Seal key file names inside the directory given to LoadOrCreateSealer.
const (
	SealKeyFile  = "seal-key.pem"
	SealCertFile = "seal-cert.pem"
)

// sealValidity is the lifetime of a generated self-signed seal certificate.
const sealValidity = 10 * 365 * 24 * time.Hour

// Sealer holds the service's seal key: an ECDSA P-256 private key and its
// certificate (Chain holds any intermediates, leaf excluded).
type Sealer struct {
	Key   *ecdsa.PrivateKey
	Cert  *x509.Certificate
	Chain []*x509.Certificate
}

// SealSubject names the installation a generated seal certificate belongs to.
type SealSubject struct {
	CommonName string // "": "Signroom seal of " + Operator
	Operator   string // the organisation running the service (subject O)
	PublicURL  string // the service's public URL (a URI subject alternative name)
}

// LoadOrCreateSealer loads seal-key.pem and seal-cert.pem from dir, or, if
// neither exists, generates an ECDSA P-256 key and a self-signed certificate
// for subj (digitalSignature, valid 10 years) and writes them there (key
// mode 0600), creating dir (mode 0700) if needed. One of the two files alone
// is an error.
func LoadOrCreateSealer(dir string, subj SealSubject) (*Sealer, error) {
	keyPath, certPath := filepath.Join(dir, SealKeyFile), filepath.Join(dir, SealCertFile)
	keyPEM, errK := os.ReadFile(keyPath)
	certPEM, errC := os.ReadFile(certPath)
	if errK == nil && errC == nil {
		return LoadSealerPEM(certPEM, keyPEM)
	}
	if !errors.Is(errK, os.ErrNotExist) || !errors.Is(errC, os.ErrNotExist) {
		return nil, fmt.Errorf("load sealer from %s: %w: need both %s and %s", dir, ErrSealer, SealKeyFile, SealCertFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	s, err := NewInstallationSealer(subj, time.Now())
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	if err := keyfile.WriteNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := keyfile.WriteNew(certPath, CertPEM(s.Cert), 0o644); err != nil {
		return nil, err
	}
	return s, nil
}

// NewSelfSignedSealer generates a P-256 key and a self-signed seal
// certificate with the given common name, valid from now for 10 years. It
// writes nothing.
func NewSelfSignedSealer(commonName string, now time.Time) (*Sealer, error) {
	return NewInstallationSealer(SealSubject{CommonName: commonName, Operator: "Signroom seal"}, now)
}

// NewInstallationSealer generates a P-256 key and a self-signed seal
// certificate naming the installation (common name, organisation = the
// operator, URI = the public URL), valid from now for 10 years.
func NewInstallationSealer(subj SealSubject, now time.Time) (*Sealer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	if subj.CommonName == "" {
		subj.CommonName = "Signroom seal of " + subj.Operator
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: subj.CommonName, Organization: []string{subj.Operator}},
		NotBefore:             now.Add(-time.Hour).UTC(),
		NotAfter:              now.Add(sealValidity).UTC(),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	if u, err := url.Parse(subj.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		tmpl.URIs = []*url.URL{u}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("create sealer: %w", err)
	}
	return &Sealer{Key: key, Cert: cert}, nil
}

// LoadSealerPEM loads a seal certificate (leaf first, then any chain) and
// its ECDSA P-256 private key (PKCS#8 or SEC 1) from PEM.
func LoadSealerPEM(certPEM, keyPEM []byte) (*Sealer, error) {
	certs, err := parseCertificates(certPEM)
	if err != nil {
		return nil, fmt.Errorf("load sealer: %w: %v", ErrSealer, err)
	}
	block, _ := pem.Decode(keyPEM)
	if len(certs) == 0 || block == nil {
		return nil, fmt.Errorf("load sealer: %w: missing certificate or key PEM block", ErrSealer)
	}
	key, err := parseECKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	return newSealer(key, certs[0], certs[1:])
}

// LoadSealerPKCS12 loads a seal key and certificate from a PKCS#12 file.
// Only the legacy PKCS#12 encryption schemes understood by
// golang.org/x/crypto/pkcs12 (3DES/RC2 with SHA-1) are supported, and only
// a single certificate.
func LoadSealerPKCS12(data []byte, password string) (*Sealer, error) {
	key, cert, err := pkcs12.Decode(data, password)
	if err != nil {
		return nil, fmt.Errorf("load sealer: %w: pkcs12: %v", ErrSealer, err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load sealer: %w: key is %T, want ECDSA P-256", ErrSealer, key)
	}
	return newSealer(ec, cert, nil)
}

func parseECKey(der []byte) (*ecdsa.PrivateKey, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if ec, ok := k.(*ecdsa.PrivateKey); ok {
			return ec, nil
		}
		return nil, fmt.Errorf("load sealer: %w: key is %T, want ECDSA P-256", ErrSealer, k)
	}
	k, err := x509.ParseECPrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("load sealer: %w: %v", ErrSealer, err)
	}
	return k, nil
}

func newSealer(key *ecdsa.PrivateKey, cert *x509.Certificate, chain []*x509.Certificate) (*Sealer, error) {
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("load sealer: %w: curve %s, want P-256", ErrSealer, key.Curve.Params().Name)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("load sealer: %w: key does not match certificate", ErrSealer)
	}
	return &Sealer{Key: key, Cert: cert, Chain: chain}, nil
}

// ParseCertPEM parses the first PEM CERTIFICATE block of data.
func ParseCertPEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%w: no PEM certificate", ErrTrust)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTrust, err)
	}
	return c, nil
}

// CertPEM returns cert as a PEM "CERTIFICATE" block.
func CertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// CertFingerprint returns the lowercase hex SHA-256 of the certificate's DER.
func CertFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// parseCertificates returns the certificates of data's PEM CERTIFICATE blocks, in order,
// skipping blocks of other types.
func parseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return certs, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
}
