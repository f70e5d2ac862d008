package evidence

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
)

// TestSealedPDFCarriesItsEvidence: the PDF alone passes every check but the recordings'
// bytes, and embeds exactly the evidence files, each equal to the bundle's.
func TestSealedPDFCarriesItsEvidence(t *testing.T) {
	c := newCeremony(t, testSealer, 3, 1)
	rep := VerifyPDFWith(context.Background(), c.pdf(t), testTrust())
	if !rep.OK() {
		t.Fatalf("sealed PDF alone: %+v", rep.Failed())
	}
	for _, want := range []string{CheckPDFSeal, CheckManifestSeal, CheckManifest, CheckSealTrust, CheckEmbedded,
		CheckDocument + ": doc-ko", CheckDocument + ": doc-zh", CheckAudit, CheckSignature + ": p-3", CheckBinding + ": p-3", "signatories complete", CheckRecording} {
		if countPrefix(rep, want) == 0 {
			t.Errorf("the PDF's report has no %q check", want)
		}
	}
	sp, err := readSealedPDF(c.pdf(t), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(sp.files[PathManifest]); !strings.Contains(got, `"format": "`+FormatVersion+`"`) {
		t.Errorf("embedded manifest.json = %.80q", got)
	}
}

// TestPDFChangedAfterSealFails: nothing may be signed, appended or re-signed after the seal.
func TestPDFChangedAfterSealFails(t *testing.T) {
	c := newCeremony(t, testSealer, 2, 1)
	mallory, err := NewSelfSignedSealer("Mallory", ceremonyTime)
	if err != nil {
		t.Fatal(err)
	}
	secondSig, err := signPDF(c.pdf(t), mallory, ceremonyTime, "") // a second signature after the seal
	if err != nil {
		t.Fatal(err)
	}
	var cut bytes.Buffer // the signature page removed (a rewrite), then re-signed
	pages, _ := PageCount(c.pdf(t))
	if err := api.RemovePages(bytes.NewReader(c.pdf(t)), &cut, []string{fmt.Sprint(pages)}, pdfConfig()); err != nil {
		t.Fatal(err)
	}
	resigned, err := signPDF(cut.Bytes(), mallory, ceremonyTime, "")
	if err != nil {
		t.Fatal(err)
	}
	resignedOwnKey, err := signPDF(cut.Bytes(), testSealer, ceremonyTime, "") // even with the genuine key: not a certification
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pdf  []byte
	}{
		{"second signature appended", secondSig},
		{"incremental update appended", append(bytes.Clone(c.pdf(t)), "\n1 0 obj\n<< >>\nendobj\n%%EOF\n"...)},
		{"signature page removed and re-signed", resigned},
		{"signature page removed and re-signed with the seal key", resignedOwnKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, opt := range map[string]Options{"trusted": testTrust(), "no trust": {}} {
				rep := VerifyPDFWith(context.Background(), tt.pdf, opt)
				if rep.Verdict() != VerdictInvalid {
					t.Errorf("%s: verdict %q, want invalid; checks %+v", name, rep.Verdict(), rep.Checks)
				}
			}
		})
	}
}

// TestSealedPDFPassesQpdf checks the sealed PDF with attachments with qpdf: the structure
// is sound and the evidence files are listed as attachments.
func TestSealedPDFPassesQpdf(t *testing.T) {
	bin, err := exec.LookPath("qpdf")
	if err != nil {
		skipOutsideCI(t, "qpdf not installed (apt-get install qpdf)")
	}
	c := newCeremony(t, testSealer, 2, 1)
	path := filepath.Join(t.TempDir(), "sealed.pdf")
	if err := os.WriteFile(path, c.pdf(t), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "--check", path).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--list-attachments", path).CombinedOutput()
	if err != nil {
		t.Fatalf("qpdf --list-attachments: %v\n%s", err, out)
	}
	for _, want := range []string{PathManifest, PathManifestJWS, PathAuditLog, "data/signatures/p-2.jws", "data/documents/doc-zh-mou-zh.pdf"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("qpdf lists no attachment %s:\n%s", want, out)
		}
	}
}
