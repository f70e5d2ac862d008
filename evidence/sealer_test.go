package evidence

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreateSealer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	subj := SealSubject{Operator: "Gangwon Province", PublicURL: "https://sign.gangwon.example"}
	s1, err := LoadOrCreateSealer(dir, subj)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, SealKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("key file mode %o, want 600", perm)
	}
	s2, err := LoadOrCreateSealer(dir, SealSubject{Operator: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Key.Equal(s2.Key) || !s1.Cert.Equal(s2.Cert) {
		t.Error("second start did not load the same key and certificate")
	}
	c := s1.Cert
	if c.KeyUsage&x509.KeyUsageDigitalSignature == 0 || c.Subject.CommonName != "Signroom seal of Gangwon Province" ||
		len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != "Gangwon Province" {
		t.Errorf("certificate usage %v subject %v", c.KeyUsage, c.Subject)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != subj.PublicURL {
		t.Errorf("certificate URIs %v, want the public URL %s", c.URIs, subj.PublicURL)
	}
	if years := c.NotAfter.Sub(c.NotBefore).Hours() / 24 / 365; years < 9.9 {
		t.Errorf("certificate valid %.1f years, want 10", years)
	}
	if err := os.Remove(filepath.Join(dir, SealCertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateSealer(dir, SealSubject{Operator: "x"}); !errors.Is(err, ErrSealer) {
		t.Errorf("half a key pair: err = %v, want ErrSealer", err)
	}
}

func TestLoadSealerPEMRejectsMismatch(t *testing.T) {
	a, _ := NewSelfSignedSealer("a", ceremonyTime)
	b, _ := NewSelfSignedSealer("b", ceremonyTime)
	dir := t.TempDir()
	if _, err := LoadOrCreateSealer(dir, SealSubject{Operator: "a"}); err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := os.ReadFile(filepath.Join(dir, SealKeyFile))
	if _, err := LoadSealerPEM(CertPEM(b.Cert), keyPEM); !errors.Is(err, ErrSealer) {
		t.Errorf("mismatched key: err = %v, want ErrSealer", err)
	}
	if _, err := LoadSealerPEM(CertPEM(a.Cert), []byte("junk")); !errors.Is(err, ErrSealer) {
		t.Errorf("junk key: err = %v, want ErrSealer", err)
	}
}

// TestLoadSealerPKCS12 builds a legacy PKCS#12 file with openssl. In CI
// (CI=true, where .ci/run installs openssl) a missing or unable openssl is a
// failure; elsewhere the test skips.
func TestLoadSealerPKCS12(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		skipOutsideCI(t, "openssl not installed")
	}
	dir := t.TempDir()
	s, err := LoadOrCreateSealer(dir, SealSubject{Operator: "p12"})
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(dir, "seal.p12")
	cmd := exec.Command("openssl", "pkcs12", "-export", "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES",
		"-macalg", "sha1", "-passout", "pass:secret", "-inkey", filepath.Join(dir, SealKeyFile),
		"-in", filepath.Join(dir, SealCertFile), "-out", p12)
	if out, err := cmd.CombinedOutput(); err != nil {
		skipOutsideCI(t, fmt.Sprintf("openssl cannot write legacy PKCS#12: %v %s", err, out))
	}
	data, _ := os.ReadFile(p12)
	got, err := LoadSealerPKCS12(data, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Key.Equal(s.Key) {
		t.Error("PKCS#12 key differs")
	}
	if _, err := LoadSealerPKCS12(data, "wrong"); !errors.Is(err, ErrSealer) {
		t.Errorf("wrong password: err = %v, want ErrSealer", err)
	}
}

// TestSealedPDFValidatesWithPdfsig checks the seal with poppler's pdfsig,
// an independent verifier. In CI (CI=true) a missing pdfsig is a failure.
func TestSealedPDFValidatesWithPdfsig(t *testing.T) {
	bin, err := exec.LookPath("pdfsig")
	if err != nil {
		skipOutsideCI(t, "pdfsig not installed (apt-get install poppler-utils)")
	}
	c := newCeremony(t, testSealer, 3, 2)
	path := filepath.Join(t.TempDir(), "sealed.pdf")
	if err := os.WriteFile(path, c.pdf(t), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.CommandContext(context.Background(), bin, path).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid") {
		t.Fatalf("pdfsig does not validate the seal:\n%s", out)
	}
	if !strings.Contains(string(out), "Total document signed") {
		t.Errorf("pdfsig: signature does not cover the whole document:\n%s", out)
	}
	tampered := append([]byte{}, c.pdf(t)...)
	tampered[len(tampered)/3] ^= 1
	if err := os.WriteFile(path, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.CommandContext(context.Background(), bin, path).CombinedOutput()
	if strings.Contains(string(out), "Signature is Valid") {
		t.Errorf("pdfsig validates a tampered PDF:\n%s", out)
	}
}

func TestSealPDFPageCount(t *testing.T) {
	c := newCeremony(t, testSealer, 6, 3)
	n, err := PageCount(c.pdf(t))
	if err != nil {
		t.Fatal(err)
	}
	// 3 + 3 document pages and a signature page that spills onto a second.
	if n < 7 || n > 9 {
		t.Errorf("sealed PDF has %d pages, want 7..9", n)
	}
	if _, err := SealPDF(context.Background(), []DocumentPDF{{ID: "x", Data: []byte("not a pdf")}}, SignaturePage{}, testSealer); !errors.Is(err, ErrPDF) {
		t.Errorf("SealPDF(junk) err = %v, want ErrPDF", err)
	}
}

// skipOutsideCI skips a test whose external tool is missing, except in CI
// (CI=true), where .ci/run installs the tool and its absence is a failure.
func skipOutsideCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why + " (required in CI)")
	}
	t.Skip(why)
}
