// Package tsatest runs a small RFC 3161 time-stamp authority in-process for tests: its own
// test CA root (ECDSA P-256) and a TSA certificate issued by it (extended key usage
// timeStamping only, critical, as RFC 3161 and `openssl ts -verify` require). It answers
// POST time-stamp queries over HTTP on a loopback httptest server; SetDown makes it answer
// 503 until set up again.
package tsatest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// Policy is the TSA policy OID the test TSA puts in its tokens (under the 2.999 example arc).
var Policy = asn1.ObjectIdentifier{2, 999, 3161, 1}

// TSA is a running test time-stamp authority.
type TSA struct {
	URL    string
	Root   *x509.Certificate // the test CA root the TSA certificate chains to
	Cert   *x509.Certificate // the TSA's signing certificate
	key    *ecdsa.PrivateKey
	down   atomic.Bool
	served atomic.Int64
}

// Start starts a TSA named name for the test; it stops when the test ends.
func Start(t testing.TB, name string) *TSA {
	t.Helper()
	root, rootKey := newCert(t, name+" test root CA", nil, nil, true)
	cert, key := newCert(t, name+" test TSA", root, rootKey, false)
	ts := &TSA{Root: root, Cert: cert, key: key}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(srv.Close)
	ts.URL = srv.URL + "/tsa"
	return ts
}

// SetDown makes the TSA refuse every query with 503 (down true) or answer again.
func (ts *TSA) SetDown(down bool) { ts.down.Store(down) }

// Served counts the tokens the TSA granted.
func (ts *TSA) Served() int64 { return ts.served.Load() }

// RootPEM is the test root certificate in PEM.
func (ts *TSA) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Root.Raw})
}

// WriteRoot writes the root in PEM to a file in dir and returns its path.
func (ts *TSA) WriteRoot(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "tsa-root-"+ts.Root.SerialNumber.Text(16)+".pem")
	if err := os.WriteFile(p, ts.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Stamp returns a token over digest (SHA-256) at time at, without HTTP.
func (ts *TSA) Stamp(t testing.TB, digest []byte, at time.Time) []byte {
	t.Helper()
	resp, err := ts.respond(&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digest, Certificates: true}, at)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := timestamp.ParseResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	return tok.RawToken
}

func (ts *TSA) serve(w http.ResponseWriter, r *http.Request) {
	if ts.down.Load() {
		http.Error(w, "test TSA is down", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad query", http.StatusBadRequest)
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := ts.respond(req, time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	ts.served.Add(1)
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(resp)
}

func (ts *TSA) respond(req *timestamp.Request, at time.Time) ([]byte, error) {
	tok := timestamp.Timestamp{HashAlgorithm: req.HashAlgorithm, HashedMessage: req.HashedMessage, Time: at.UTC().Truncate(time.Second),
		Nonce: req.Nonce, Policy: Policy, AddTSACertificate: req.Certificates, Accuracy: time.Second}
	return tok.CreateResponseWithOpts(ts.Cert, ts.key, crypto.SHA256)
}

// newCert makes a CA root (issuer nil, self-signed) or a TSA certificate issued by it.
func newCert(t testing.TB, cn string, issuer *x509.Certificate, issuerKey *ecdsa.PrivateKey, ca bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, Organization: []string{"Signroom tests"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0), BasicConstraintsValid: true, IsCA: ca}
	if ca {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		issuer, issuerKey = tmpl, key
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}) // id-kp-timeStamping
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, issuerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
