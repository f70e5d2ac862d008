package evidence

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/signatures"
)

// reseal plays a forger without the service's seal key: after editing the
// record, they seal the PDF and the manifest with a fresh self-signed key.
func reseal(t *testing.T, c *ceremony) {
	t.Helper()
	forger, err := NewSelfSignedSealer("Signroom seal", ceremonyTime)
	if err != nil {
		t.Fatal(err)
	}
	c.sealer = forger // bundle seals the PDF and the manifest with it
}

// forgeSigner replaces signer i's key with the forger's own and re-signs.
func forgeSigner(t *testing.T, c *ceremony, i int, edit func(*signatures.Statement)) {
	s := &c.manifest.Signatures[i]
	st, err := signatures.Verify(s.JWS, s.JWK)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s.JWK, _ = signatures.JWKFromPublicKey(&key.PublicKey)
	s.Thumbprint = s.JWK.Thumbprint()
	edit(&st)
	if s.JWS, err = signatures.Sign(st, key); err != nil {
		t.Fatal(err)
	}
}

func TestResealedRecordIsNotTrusted(t *testing.T) {
	// Each forgery is re-sealed with the forger's key. Without trust it is "seal unverified"
	// unless a check that needs no trust already catches it (open: the verdict then).
	tests := []struct {
		name string
		edit func(*testing.T, *ceremony)
		open string
	}{
		{"nothing changed", func(*testing.T, *ceremony) {}, ""},
		{"signer dropped", func(t *testing.T, c *ceremony) {
			c.manifest.Participants = c.manifest.Participants[:2]
			c.manifest.Signatures = c.manifest.Signatures[:2]
			c.page.Signers = c.page.Signers[:2]
			c.files = slices.DeleteFunc(c.files, func(f File) bool { return strings.Contains(f.Path, "p-3") })
		}, ""},
		{"party name rewritten", func(t *testing.T, c *ceremony) {
			c.manifest.Parties[0].Names["ko"] = "가짜 당사자"
			c.page.Signers[0].PartyNames[0] = "가짜 당사자"
		}, VerdictInvalid}, // the signer's statement binds the party's names
		{"signer title rewritten", func(t *testing.T, c *ceremony) {
			c.manifest.Participants[1].Title = "Governor"
		}, VerdictInvalid}, // and the signer's title
		{"signer key replaced", func(t *testing.T, c *ceremony) {
			forgeSigner(t, c, 1, func(*signatures.Statement) {})
		}, ""},
		{"document replaced and re-signed with forged keys", func(t *testing.T, c *ceremony) {
			other := testDocument("ko", 1)
			c.docs[0].Data, c.files[0].Data = other, other
			c.manifest.Documents[0].SHA256, c.manifest.Documents[0].Size = sha256Hex(other), int64(len(other))
			for i := range c.manifest.Signatures {
				forgeSigner(t, c, i, func(st *signatures.Statement) { st.Documents[0].SHA256 = sha256Hex(other) })
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCeremony(t, testSealer, 3, 1)
			tt.edit(t, c)
			reseal(t, c)
			b := c.bundle(t)
			open := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{})
			want := cmp.Or(tt.open, VerdictUnverified)
			if got := open.Verdict(); got != want {
				t.Errorf("without a trusted seal: verdict %q (%+v), want %q", got, open.Failed(), want)
			}
			if tt.open != "" && !failed(open, CheckBinding+": p-1") && !failed(open, CheckBinding+": p-2") {
				t.Errorf("without a trusted seal: %+v, want a signature binding check to fail", open.Failed())
			}
			pinned := verifyBytes(b)
			if pinned.OK() || !failed(pinned, CheckSealTrust) {
				t.Errorf("with the genuine seal trusted: verdict %q, failed %+v, want %q to fail", pinned.Verdict(), pinned.Failed(), CheckSealTrust)
			}
			pdf := VerifyPDFWith(context.Background(), c.pdf(t), testTrust())
			if pdf.OK() || !failed(pdf, CheckSealTrust) {
				t.Errorf("re-sealed PDF alone: verdict %q, failed %+v", pdf.Verdict(), pdf.Failed())
			}
		})
	}
}

func TestGenuineRecordWithTrust(t *testing.T) {
	c := newCeremony(t, testSealer, 2, 1)
	b := c.bundle(t)
	if rep := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{}); rep.Verdict() != VerdictUnverified || rep.OK() {
		t.Errorf("no trust: verdict %q ok %v, want %q and not ok", rep.Verdict(), rep.OK(), VerdictUnverified)
	}
	fp, err := TrustFingerprint("flag", strings.ToUpper(CertFingerprint(testSealer.Cert)))
	if err != nil {
		t.Fatal(err)
	}
	for name, tr := range map[string]Trust{"certificate": testTrust().Trust, "fingerprint": fp} {
		if rep := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Trust: tr}); !rep.OK() {
			t.Errorf("%s: %+v", name, rep.Failed())
		}
	}
	if rep := VerifyPDFWith(context.Background(), c.pdf(t), testTrust()); !rep.OK() {
		t.Errorf("pdf: %+v", rep.Failed())
	}
}

func TestSealListTrust(t *testing.T) {
	retired := ceremonyTime.Add(30 * time.Minute) // before the test record's seal time
	entry := NewSealEntry(testSealer.Cert)
	entry.RetiredAt = &retired
	list := SealList{Format: SealListFormat, Installation: Installation{Operator: "Gangwon", PublicURL: "https://sign.example.org"},
		Certificates: []SealEntry{entry}}
	data, _ := json.Marshal(list)
	tr, err := ParseTrust("list", data)
	if err != nil {
		t.Fatal(err)
	}
	b := newCeremony(t, testSealer, 1, 1).bundle(t)
	rep := VerifyBundle(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Trust: tr})
	if !failed(rep, CheckSealTrust) || !mentionsDetail(rep, "retired") {
		t.Errorf("record sealed after retirement: failed %+v", rep.Failed())
	}
	if _, err := ParseTrust("pem", CertPEM(testSealer.Cert)); err != nil {
		t.Errorf("PEM: %v", err)
	}
	bad := []struct{ name, data string }{
		{"empty list", `{"format":"` + SealListFormat + `","installation":{"operator":"","public_url":""},"generated_at":"2020-01-01T00:00:00Z","certificates":[]}`},
		{"wrong format", `{"format":"x"}`},
		{"not a certificate", "hello"},
		{"fingerprint mismatch", strings.Replace(string(data), entry.SHA256, strings.Repeat("0", 64), 1)},
	}
	for _, tt := range bad {
		if _, err := ParseTrust(tt.name, []byte(tt.data)); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := TrustFingerprint("flag", "abc"); err == nil {
		t.Error("short fingerprint accepted")
	}
}
