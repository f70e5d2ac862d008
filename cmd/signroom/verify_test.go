package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/evidencetest"
	"github.com/signroom/signroom/internal/tsatest"
)

func TestVerifyRefusesWhatIsNotEvidence(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.zip")
	os.WriteFile(junk, []byte("PK\x03\x04 this is not a bundle"), 0o600)
	pdf := filepath.Join(dir, "plain.pdf")
	os.WriteFile(pdf, []byte("%PDF-1.4\n%%EOF\n"), 0o600)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"no file", []string{"verify"}, 2, ""},
		{"missing file", []string{"verify", filepath.Join(dir, "nope.zip")}, 1, ""},
		{"broken zip", []string{"verify", junk}, 1, "FAIL"},
		{"unsigned pdf", []string{"verify", pdf}, 1, "FAIL"},
		{"broken zip json", []string{"verify", "--json", junk}, 1, `"ok": false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCmd(t, dir, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Fatalf("%q = exit %d, stdout %q, stderr %q; want exit %d with %q", tt.args, code, out, errs, tt.wantCode, tt.wantOut)
			}
		})
	}
}

// TestVerifyResealedRecords: a record re-sealed with another key (after dropping a signer or
// rewriting a party's name) fails with the genuine seal certificate given, and is "seal
// unverified" (exit 3, never 0) without one.
func TestVerifyResealedRecords(t *testing.T) {
	genuine, err := evidence.NewSelfSignedSealer("Signroom seal of Gangwon", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := evidence.NewSelfSignedSealer("Signroom seal of Gangwon", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("genuine.pem", evidence.CertPEM(genuine.Cert))
	real := evidencetest.Seal(t, genuine, evidencetest.Options{})
	dropped := evidencetest.Seal(t, forger, evidencetest.Options{Signers: 3, DropLastOne: true})
	renamed := evidencetest.Seal(t, forger, evidencetest.Options{EditParty: func(n map[string]string) { n["ko"] = "가짜" }})
	files := map[string][]byte{"real.zip": real.Bundle, "real.pdf": real.PDF, "dropped.zip": dropped.Bundle,
		"dropped.pdf": dropped.PDF, "renamed.zip": renamed.Bundle, "renamed.pdf": renamed.PDF}
	for name, data := range files {
		path := write(name, data)
		wantTrusted, wantOut := 1, "FAIL  seal trust"
		if strings.HasPrefix(name, "real") {
			wantTrusted, wantOut = 0, "VALID"
		}
		if code, out, errs := runCmd(t, dir, "", "verify", "--seal-cert", certFile, path); code != wantTrusted || !strings.Contains(out, wantOut) {
			t.Errorf("%s with the genuine seal = exit %d\n%s%s\nwant exit %d with %q", name, code, out, errs, wantTrusted, wantOut)
		}
		// A renamed party is caught even without trust: its signers' statements bind its names.
		wantOpen, wantOpenOut := 3, "SEAL UNVERIFIED"
		if strings.HasPrefix(name, "renamed") {
			wantOpen, wantOpenOut = 1, "FAIL  signature binding: p-1"
		}
		if code, out, _ := runCmd(t, dir, "", "verify", path); code != wantOpen || !strings.Contains(out, wantOpenOut) {
			t.Errorf("%s without trust = exit %d\n%s\nwant exit %d with %q", name, code, out, wantOpen, wantOpenOut)
		}
	}
}

// TestVerifyTrustedTime: a time-stamped record is valid with its TSA's root (--tsa-roots)
// and prints the attested time; without roots it is valid but says the TSA was not
// checked (naming --tsa-roots); with another TSA's root it fails.
func TestVerifyTrustedTime(t *testing.T) {
	sealer, err := evidence.NewSelfSignedSealer("Signroom seal of Gangwon", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	ts, other := tsatest.Start(t, "good"), tsatest.Start(t, "other")
	rec := evidencetest.Seal(t, sealer, evidencetest.Options{TSAURL: ts.URL})
	dir := t.TempDir()
	cert := filepath.Join(dir, "seal.pem")
	bundle := filepath.Join(dir, "bundle.zip")
	os.WriteFile(cert, evidence.CertPEM(sealer.Cert), 0o600)
	os.WriteFile(bundle, rec.Bundle, 0o600)
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"verify", "--seal-cert", cert, "--tsa-roots", ts.WriteRoot(t, dir), bundle}, 0, "PASS  trusted time: manifest time-stamped at"},
		{[]string{"verify", "--seal-cert", cert, bundle}, 0, "TSA not checked against a trusted root (none was given: --tsa-roots)"},
		{[]string{"verify", "--seal-cert", cert, "--tsa-roots", other.WriteRoot(t, dir), bundle}, 1, "FAIL  trusted time"},
		{[]string{"verify", "--seal-cert", cert, "--tsa-roots", cert + ".missing", bundle}, 2, ""},
	}
	for _, tt := range tests {
		if code, out, errs := runCmd(t, dir, "", tt.args...); code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
			t.Errorf("signroom %q = exit %d\n%s%s\nwant exit %d with %q", tt.args, code, out, errs, tt.wantCode, tt.wantOut)
		}
	}
}
