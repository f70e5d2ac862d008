package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/tsatest"
	"github.com/signroom/signroom/tsa"
)

// stampedCeremony is a one-signatory ceremony whose manifest and PDF signature are
// time-stamped by ts.
func stampedCeremony(t *testing.T, ts *tsatest.TSA) *ceremony {
	t.Helper()
	c := newCeremony(t, testSealer, 1, 1)
	client := tsa.New([]string{ts.URL}, nil, 0)
	c.tsaURL = ts.URL
	c.stamp = func(digest []byte) []byte {
		tok, err := client.Stamp(context.Background(), digest)
		if err != nil {
			t.Fatal(err)
		}
		return tok.DER
	}
	return c
}

func rootsOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func findCheck(rep Report, name string) Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return Check{Name: name, Detail: "(no such check)"}
}

// TestTimestampedRecordVerifies: with the TSA's root given, the manifest's token and the
// PDF signature's token are trusted and the attested time is reported beside sealed_at;
// without roots both pass saying the TSA was not checked; with another TSA's root both are
// refused.
func TestTimestampedRecordVerifies(t *testing.T) {
	ts, other := tsatest.Start(t, "good"), tsatest.Start(t, "other")
	bundle := stampedCeremony(t, ts).bundle(t)
	verify := func(roots *x509.CertPool) Report {
		opt := testTrust()
		opt.TSARoots = roots
		return VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), opt)
	}
	rep := verify(rootsOf(ts.Root))
	if !rep.OK() {
		t.Fatalf("verdict %s, failed %+v", rep.Verdict(), rep.Failed())
	}
	for _, name := range []string{CheckTrustedTime, CheckPDFTimestamp} {
		if c := findCheck(rep, name); !c.OK || !strings.Contains(c.Detail, "time-stamped at") || !strings.Contains(c.Detail, "good test TSA") {
			t.Errorf("%s: %+v", name, c)
		}
	}
	if a := rep.Record.TimeAttested; a == nil || !a.Trusted || time.Since(a.Time) > time.Hour {
		t.Errorf("record's attested time = %+v, want a trusted time of this run", a)
	}
	rep = verify(nil)
	for _, name := range []string{CheckTrustedTime, CheckPDFTimestamp} {
		if c := findCheck(rep, name); !c.OK || !strings.Contains(c.Detail, "TSA not checked against a trusted root") {
			t.Errorf("without TSA roots: %s = %+v", name, c)
		}
	}
	if rep.Record.TimeAttested == nil || rep.Record.TimeAttested.Trusted {
		t.Errorf("without TSA roots: attested %+v, want an untrusted attested time", rep.Record.TimeAttested)
	}
	rep = verify(rootsOf(other.Root))
	for _, name := range []string{CheckTrustedTime, CheckPDFTimestamp} {
		if c := findCheck(rep, name); c.OK || c.Unverified || !strings.Contains(c.Detail, "not trusted") {
			t.Errorf("untrusted TSA: %s = %+v, want refused", name, c)
		}
	}
	if rep.Verdict() != VerdictInvalid {
		t.Errorf("untrusted TSA: verdict %s, want invalid", rep.Verdict())
	}
}

// TestTimestampOverOtherHashRefused: a genuine token from the trusted TSA, but over another
// manifest's hash, put in the bundle, fails "trusted time".
func TestTimestampOverOtherHashRefused(t *testing.T) {
	ts := tsatest.Start(t, "good")
	c := stampedCeremony(t, ts)
	c.stamp = func([]byte) []byte {
		other := sha256.Sum256([]byte("another manifest"))
		return ts.Stamp(t, other[:], time.Now())
	}
	bundle := c.bundle(t)
	opt := testTrust()
	opt.TSARoots = rootsOf(ts.Root)
	rep := VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), opt)
	if ck := findCheck(rep, CheckTrustedTime); ck.OK || !strings.Contains(ck.Detail, "another hash") {
		t.Errorf("trusted time = %+v, want refused as a token over another hash", ck)
	}
	if rep.Verdict() != VerdictInvalid {
		t.Errorf("verdict %s, want invalid", rep.Verdict())
	}
}

// TestNoTimestampTimeNotAttested: a record sealed without a TSA verifies as before and says
// its time is not attested; a supplementary token given to the verifier attests it.
func TestNoTimestampTimeNotAttested(t *testing.T) {
	ts := tsatest.Start(t, "good")
	c := newCeremony(t, testSealer, 1, 1)
	bundle := c.bundle(t)
	rep := verifyBytes(bundle)
	if ck := findCheck(rep, CheckTrustedTime); !ck.OK || !strings.HasPrefix(ck.Detail, "time not attested") {
		t.Errorf("trusted time = %+v, want passed with 'time not attested'", ck)
	}
	if ck := findCheck(rep, CheckPDFTimestamp); !ck.OK || !strings.HasPrefix(ck.Detail, "time not attested") {
		t.Errorf("pdf timestamp = %+v", ck)
	}
	if !rep.OK() || rep.Record.TimeAttested != nil {
		t.Fatalf("verdict %s, attested %+v", rep.Verdict(), rep.Record.TimeAttested)
	}
	manifest := bagFile(t, bundle, PathManifest)
	sum := sha256.Sum256(manifest)
	opt := testTrust()
	opt.TSARoots, opt.ManifestTimestamp = rootsOf(ts.Root), ts.Stamp(t, sum[:], time.Now())
	rep = VerifyBundle(context.Background(), bytes.NewReader(bundle), int64(len(bundle)), opt)
	if ck := findCheck(rep, CheckTrustedTime); !ck.OK || !strings.Contains(ck.Detail, "time-stamped at") {
		t.Errorf("with a supplementary token: trusted time = %+v", ck)
	}
}

func TestVerifyTimestampErrors(t *testing.T) {
	ts, other := tsatest.Start(t, "good"), tsatest.Start(t, "other")
	sum := sha256.Sum256([]byte("manifest"))
	tok := ts.Stamp(t, sum[:], time.Now())
	tests := []struct {
		name   string
		token  []byte
		digest []byte
		roots  *x509.CertPool
		want   error
	}{
		{"trusted", tok, sum[:], rootsOf(ts.Root), nil},
		{"no roots", tok, sum[:], nil, nil},
		{"untrusted TSA", tok, sum[:], rootsOf(other.Root), ErrUntrustedTSA},
		{"other hash", tok, make([]byte, 32), rootsOf(ts.Root), ErrTimestamp},
		{"garbage", []byte("not a token"), sum[:], rootsOf(ts.Root), ErrTimestamp},
		{"truncated", tok[:len(tok)/2], sum[:], rootsOf(ts.Root), ErrTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := VerifyTimestamp(tt.token, tt.digest, tt.roots)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err == nil && (a.TSA == "" || (tt.roots != nil) != (a.Root != "")) {
				t.Errorf("attestation %+v", a)
			}
		})
	}
}

// TestTimestampsVerifyWithOpenSSLAndPdfsig: each token verifies with `openssl ts -verify`
// against the test TSA's root (the manifest's over the manifest file, the PDF signature's
// over its signature value), and poppler's pdfsig still validates the time-stamped seal.
func TestTimestampsVerifyWithOpenSSLAndPdfsig(t *testing.T) {
	ts := tsatest.Start(t, "good")
	c := stampedCeremony(t, ts)
	bundle := c.bundle(t)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := ts.WriteRoot(t, dir)
	manifest := write("manifest.json", bagFile(t, bundle, PathManifest))
	token := write("manifest.json.tsr", bagFile(t, bundle, PathManifestTimestamp))
	openssl(t, "ts", "-verify", "-in", token, "-token_in", "-data", manifest, "-CAfile", root)
	sp, err := readSealedPDF(c.pdf(t), DefaultLimits())
	if err != nil || sp.timestamp == nil {
		t.Fatalf("sealed PDF signature time-stamp: %v, token %d bytes", err, len(sp.timestamp))
	}
	sigTok := write("pdf-signature.tsr", sp.timestamp)
	sum := sha256.Sum256(sp.sigValue)
	openssl(t, "ts", "-verify", "-in", sigTok, "-token_in", "-digest", strings.ToLower(hexString(sum[:])), "-CAfile", root)
	other := tsatest.Start(t, "other")
	if out, err := exec.Command("openssl", "ts", "-verify", "-in", token, "-token_in", "-data", manifest, "-CAfile", other.WriteRoot(t, dir)).CombinedOutput(); err == nil {
		t.Errorf("openssl verifies the token against another root:\n%s", out)
	}
	out, _ := exec.Command(lookPath(t, "pdfsig"), write("sealed.pdf", c.pdf(t))).CombinedOutput()
	if !strings.Contains(string(out), "Signature is Valid") || !strings.Contains(string(out), "Total document signed") {
		t.Fatalf("pdfsig does not validate the time-stamped seal:\n%s", out)
	}
}

func openssl(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(lookPath(t, "openssl"), args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// lookPath finds a tool the test needs; missing, the test fails (never skips).
func lookPath(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required for this test: %v", name, err)
	}
	return p
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// bagFile returns one file of a bundle by bag path.
func bagFile(t testing.TB, bundle []byte, rel string) []byte {
	t.Helper()
	_, _, files := bagFiles(t, bundle)
	data, ok := files[rel]
	if !ok {
		t.Fatalf("bundle has no %s", rel)
	}
	return data
}
