package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
