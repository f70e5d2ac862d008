//go:build !(js && wasm)

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/evidencetest"
	"github.com/signroom/signroom/internal/tsatest"
	"github.com/signroom/signroom/translog"
)

// TestVerifyBytesTakesTSARootsAndLogKey: a CA certificate among the PEM certificates is a
// time-stamp authority root, a line "<origin>+<hash>+<key>" is the transparency log's key;
// with both the time-stamped, logged record is valid with trusted time and a signed log
// inclusion; with another TSA's root it is invalid.
func TestVerifyBytesTakesTSARootsAndLogKey(t *testing.T) {
	sealer, err := evidence.NewSelfSignedSealer("Signroom seal of test", evidencetest.At)
	if err != nil {
		t.Fatal(err)
	}
	ts, other := tsatest.Start(t, "tsa"), tsatest.Start(t, "other")
	key, err := translog.LoadOrCreateKey(t.TempDir(), "sign.example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	lg, err := translog.Open(context.Background(), translog.Config{Dir: t.TempDir(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	defer lg.Close(context.Background())
	rec := evidencetest.Seal(t, sealer, evidencetest.Options{TSAURL: ts.URL, LogProof: func(digest []byte) []byte {
		p, err := lg.Append(context.Background(), digest)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}})
	pems := string(evidence.CertPEM(sealer.Cert)) + string(ts.RootPEM())
	res := verifyBytes(context.Background(), rec.Bundle, []TrustSource{{"pem", pems}, {"log key", key.Public + "\n"}})
	if !res.Report.OK() {
		t.Fatalf("verdict %s: %+v", res.Report.Verdict(), res.Report.Failed())
	}
	if st := res.Trust; st[0].Certificates != 2 || st[0].TSARoots != 1 || st[1].LogKeys != 1 || st[1].Error != "" {
		t.Errorf("trust statuses %+v", st)
	}
	for name, want := range map[string]string{evidence.CheckTrustedTime: "TSA chains to", evidence.CheckLogInclusion: "signed by the log key"} {
		for _, c := range res.Report.Checks {
			if c.Name == name && !strings.Contains(c.Detail, want) {
				t.Errorf("%s: %q, want %q", name, c.Detail, want)
			}
		}
	}
	res = verifyBytes(context.Background(), rec.Bundle, []TrustSource{{"pem", string(evidence.CertPEM(sealer.Cert)) + string(other.RootPEM())}})
	if res.Report.Verdict() != evidence.VerdictInvalid {
		t.Errorf("with another TSA's root: verdict %s", res.Report.Verdict())
	}
}
