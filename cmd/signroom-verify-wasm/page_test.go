package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/evidencetest"
)

func TestVerifyBytesReadsEveryTrustSource(t *testing.T) {
	sealer, err := evidence.NewSelfSignedSealer("Signroom seal of test", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	rec := evidencetest.Seal(t, sealer, evidencetest.Options{})
	list, _ := json.Marshal(evidence.SealList{Format: evidence.SealListFormat, Certificates: []evidence.SealEntry{evidence.NewSealEntry(sealer.Cert)}})
	fp := evidence.CertFingerprint(sealer.Cert)
	tests := []struct {
		name        string
		sources     []TrustSource
		wantVerdict string
		wantErr     bool
	}{
		{"none", nil, evidence.VerdictUnverified, false},
		{"published list", []TrustSource{{"list", string(list)}}, evidence.VerdictValid, false},
		{"PEM", []TrustSource{{"pem", string(evidence.CertPEM(sealer.Cert))}}, evidence.VerdictValid, false},
		{"fingerprints", []TrustSource{{"typed", strings.Repeat("ab", 32) + "\n" + strings.ToUpper(fp)}}, evidence.VerdictValid, false},
		{"another installation only", []TrustSource{{"other", strings.Repeat("cd", 32)}}, evidence.VerdictInvalid, false},
		{"junk beside a good list", []TrustSource{{"junk", "not a certificate"}, {"list", string(list)}}, evidence.VerdictValid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, file := range [][]byte{rec.Bundle, rec.PDF} {
				res := verifyBytes(context.Background(), file, tt.sources)
				if got := res.Report.Verdict(); got != tt.wantVerdict {
					t.Errorf("verdict %q, want %q; failed %+v", got, tt.wantVerdict, res.Report.Failed())
				}
				if hasErr := len(res.Trust) > 0 && res.Trust[0].Error != ""; hasErr != tt.wantErr {
					t.Errorf("trust statuses %+v, want an error %v", res.Trust, tt.wantErr)
				}
				if res.File.Size != int64(len(file)) || len(res.File.SHA256) != 64 || res.Report.Record == nil {
					t.Errorf("file %+v, record %v", res.File, res.Report.Record)
				}
			}
		})
	}
}
