package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

var testSealer = func() *Sealer {
	s, err := NewSelfSignedSealer("Signroom test seal", ceremonyTime)
	if err != nil {
		panic(err)
	}
	return s
}()

func TestFullFlowVerifies(t *testing.T) {
	c := newCeremony(t, testSealer, 3, 2)
	b := c.bundle(t)
	rep := verifyBytes(b)
	if !rep.OK() {
		t.Fatalf("Verify failed: %+v", rep.Failed())
	}
	names := map[string]bool{}
	for _, ch := range rep.Checks {
		names[strings.SplitN(ch.Name, ":", 2)[0]] = true
	}
	for _, want := range []string{CheckBagStructure, CheckFixity, CheckCompleteness, CheckTagManifest, CheckBagInfo, CheckManifestSeal,
		CheckManifest, CheckReferenced, CheckDocument, CheckSignature, CheckBinding, CheckAudit, CheckSealedPDF, CheckPDFSeal} {
		if !names[want] {
			t.Errorf("report has no %q check", want)
		}
	}
	if got := countPrefix(rep, CheckSignature+": "); got != 3 {
		t.Errorf("%d signature checks, want 3", got)
	}
}

func countPrefix(rep Report, prefix string) int {
	n := 0
	for _, c := range rep.Checks {
		if strings.HasPrefix(c.Name, prefix) {
			n++
		}
	}
	return n
}

// TestSignaturesVerifyWithGenericJWT reads the bundle with archive/zip and
// checks every signer's JWS with golang-jwt alone, building the public key
// from the JWK and the RFC 7638 thumbprint by hand, without this module.
func TestSignaturesVerifyWithGenericJWT(t *testing.T) {
	b := newCeremony(t, testSealer, 3, 1).bundle(t)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Documents  []struct{ ID, SHA256 string }
		Signatures []struct {
			ParticipantID string `json:"participant_id"`
			JWS           string
			JWK           struct{ Kty, Crv, X, Y string }
		}
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/data/manifest.json") {
			rc, _ := f.Open()
			raw, _ := io.ReadAll(rc)
			if err := json.Unmarshal(raw, &manifest); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(manifest.Signatures) != 3 {
		t.Fatalf("%d signatures in manifest, want 3", len(manifest.Signatures))
	}
	for _, s := range manifest.Signatures {
		x, _ := base64.RawURLEncoding.DecodeString(s.JWK.X)
		y, _ := base64.RawURLEncoding.DecodeString(s.JWK.Y)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		canon := fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s","y":"%s"}`, s.JWK.Crv, s.JWK.Kty, s.JWK.X, s.JWK.Y)
		sum := sha256.Sum256([]byte(canon))
		claims := jwt.MapClaims{}
		tok, err := jwt.ParseWithClaims(s.JWS, claims, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("signroom-sign"), jwt.WithIssuer(s.ParticipantID))
		if err != nil {
			t.Fatalf("%s: golang-jwt: %v", s.ParticipantID, err)
		}
		if kid := tok.Header["kid"]; kid != base64.RawURLEncoding.EncodeToString(sum[:]) {
			t.Errorf("%s: kid %v is not the RFC 7638 thumbprint", s.ParticipantID, kid)
		}
		docs, _ := claims["documents"].([]any)
		if len(docs) != len(manifest.Documents) {
			t.Fatalf("%s: %d documents signed, want %d", s.ParticipantID, len(docs), len(manifest.Documents))
		}
		for i, d := range docs {
			if got := d.(map[string]any)["sha256"]; got != manifest.Documents[i].SHA256 {
				t.Errorf("%s: signed sha256 %v, manifest %s", s.ParticipantID, got, manifest.Documents[i].SHA256)
			}
		}
	}
}

func TestRecordingsAndReportJSON(t *testing.T) {
	c := newCeremony(t, testSealer, 2, 1)
	rep := verifyBytes(c.bundle(t))
	if !rep.OK() {
		t.Fatalf("Verify failed: %+v", rep.Failed())
	}
	if got := countPrefix(rep, CheckRecording+": "); got != 2 {
		t.Errorf("%d recording checks, want 2", got)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		OK     bool
		Kind   string
		Checks []Check
	}
	if err := json.Unmarshal(b, &back); err != nil || !back.OK || back.Kind != "bundle" || len(back.Checks) != len(rep.Checks) {
		t.Errorf("report JSON = %s (%v)", b, err)
	}
	path := RecordingPath("p-1", "camera.webm")
	bad := rezip(t, c.bundle(t), func(f map[string][]byte) { f[path] = append(f[path], 0) }, true)
	if rep := verifyBytes(bad); !failed(rep, CheckRecording+": p-1/camera.webm") {
		t.Errorf("altered recording not reported: %+v", rep.Failed())
	}
}
