package server

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// TestSigningFullFlow: three signatories of the MOU sign in order with P-256 keys and a
// witness countersigns; the agreement seals into the archive; the bundle and sealed PDF
// verify; each JWS verifies with golang-jwt and the JWK in the manifest.
func TestSigningFullFlow(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f := buildCeremony(e, 3, "sequential")
	for _, s := range append(f.signers, f.witness) {
		e.must(f.register(e, s), http.StatusCreated)
	}
	st := e.must(e.do("GET", "/api/join/statement", f.signers[0].token, nil), http.StatusOK)
	text := st.body["statement"].(map[string]any)["statement"].(map[string]any)
	if !strings.Contains(text["ko"].(string), "대표 1") || !strings.Contains(text["zh"].(string), "江原道") || len(text) != 2 {
		t.Fatalf("statement text = %v, want ko and zh naming the signer and party", text)
	}
	f.openSigning(e)

	for i, s := range f.signers[:2] {
		r := e.must(f.sign(e, s, nil), http.StatusCreated)
		if got := r.body["remaining"]; got != float64(2-i) || r.body["complete"] != false {
			t.Fatalf("signer %d: remaining %v complete %v, want %d false", i+1, got, r.body["complete"], 2-i)
		}
	}
	e.must(f.sign(e, f.witness, nil), http.StatusCreated)
	last := e.must(f.sign(e, f.signers[2], nil), http.StatusCreated)
	if last.body["complete"] != true {
		t.Fatalf("last signature is not complete: %s", last.raw)
	}
	// All signatures in: the ceremony goes on, still in signing, until it is closed.
	if a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK); a.body["state"] != "signing" {
		t.Fatalf("state after the last signature = %v, want signing", a.body["state"])
	}
	start := time.Now()
	e.must(f.closeCeremony(e), http.StatusOK)
	t.Logf("closing and sealing took %s", time.Since(start))
	a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK)
	if a.body["state"] != "sealed" {
		t.Fatalf("state = %v, want sealed", a.body["state"])
	}

	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", e.tokens["legal"], nil), http.StatusOK).raw
	rep := e.verify(bundle)
	if !rep.OK() {
		t.Fatalf("bundle does not verify: %+v", rep.Failed())
	}
	if got := countChecks(rep, evidence.CheckSignature+": "); got != 4 {
		t.Errorf("%d signature checks, want 4 (3 signatories and the witness)", got)
	}
	verifyJWSGeneric(t, bundle, 4)
	pdf := e.must(e.do("GET", "/api/agreements/"+f.id+"/sealed.pdf", f.owner, nil), http.StatusOK).raw
	if rep := e.verify(pdf); !rep.OK() {
		t.Fatalf("sealed PDF does not verify: %+v", rep.Failed())
	}
	checkSealRecord(t, e, f.id, bundle, pdf)
	checkArchiveRetention(t, stores.Archive, f.id)

	// Sealed is final: no one signs again (the sealed state refuses it).
	r := f.sign0(e, f.signers[0])
	if r.status != http.StatusConflict {
		t.Fatalf("signature after sealing: status %d, want 409 (sealed); %s", r.status, r.raw)
	}
	// But each participant's link now shows the sealed agreement and gives their copy of the
	// sealed PDF, the very bytes archived, and the download is audited as theirs.
	j := e.must(e.do("GET", "/api/join", f.signers[1].token, nil), http.StatusOK)
	if st := j.body["agreement"].(map[string]any)["state"]; st != "sealed" || j.str("invitation_expires_at") == "" {
		t.Fatalf("link after sealing: state %v, expires %q; want sealed and the link's expiry", st, j.str("invitation_expires_at"))
	}
	if seal, _ := j.body["seal"].(map[string]any); seal == nil || seal["sealed_at"] == "" || seal["sealed_pdf_sha256"] != sha256Hex(pdf) || seal["bundle_sha256"] != sha256Hex(bundle) {
		t.Errorf("link after sealing: seal %v, want sealed_at and the sealed PDF's and bundle's SHA-256", j.body["seal"])
	}
	copyPDF := e.must(e.do("GET", "/api/join/sealed-pdf", f.signers[1].token, nil), http.StatusOK).raw
	if !bytes.Equal(copyPDF, pdf) {
		t.Fatalf("participant's copy (%d bytes) differs from the archived sealed PDF (%d bytes)", len(copyPDF), len(pdf))
	}
	if _, evs := recorded(e, f.id); evs[len(evs)-1].Type != "evidence.downloaded" || evs[len(evs)-1].Actor != "participant:"+f.signers[1].pid {
		t.Errorf("last audit event %s by %s, want evidence.downloaded by the participant", evs[len(evs)-1].Type, evs[len(evs)-1].Actor)
	}
	for _, path := range []string{"/api/join/nonce", "/api/join/key", "/api/join/close", "/api/join/open-signing"} {
		if r := e.do("POST", path, f.signers[1].token, map[string]any{}); r.status < 400 {
			t.Errorf("POST %s after sealing: %d, want a refusal", path, r.status)
		}
	}
	names := map[string]int{}
	for _, ev := range e.hub.sent() {
		if n, ok := ev.(interface{ EventName() string }); ok {
			names[n.EventName()]++
		}
	}
	if names["signature.added"] != 4 || names["signatures.complete"] != 1 || names["ceremony.closed"] != 1 || names["agreement.sealed"] != 1 {
		t.Errorf("ceremony events %v, want 4 signature.added, 1 signatures.complete, 1 ceremony.closed and 1 agreement.sealed", names)
	}
	e.hub.mu.Lock()
	ended := slices.Clone(e.hub.ended)
	e.hub.mu.Unlock()
	if want := []string{f.id + "/sealed"}; !slices.Equal(ended, want) {
		t.Errorf("ceremony rooms ended %v, want %v", ended, want)
	}
}

// sign0 posts a signature without asking for a nonce first (the token may be dead).
func (f *ceremonyFixture) sign0(e *env, s *signer) response {
	return e.do("POST", "/api/join/signature", s.token, map[string]any{"jws": "x.y.z"})
}

func countChecks(rep evidence.Report, prefix string) int {
	n := 0
	for _, c := range rep.Checks {
		if strings.HasPrefix(c.Name, prefix) {
			n++
		}
	}
	return n
}

// checkSealRecord compares the stored seal, the agreement.sealed event and the downloads.
func checkSealRecord(t *testing.T, e *env, id string, bundle, pdf []byte) {
	t.Helper()
	sigs, evs := recorded(e, id)
	if len(sigs) != 4 || countEvents(evs, "signature.added") != 4 || countEvents(evs, "agreement.sealed") != 1 {
		t.Fatalf("%d signatures, %d signature.added, %d agreement.sealed; want 4, 4, 1", len(sigs), countEvents(evs, "signature.added"), countEvents(evs, "agreement.sealed"))
	}
	if got := countEvents(evs, "evidence.downloaded"); got != 2 {
		t.Errorf("%d evidence.downloaded events, want 2", got)
	}
	rec, err := e.db.Seal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rec.Artifact(artifactBundle)
	p, _ := rec.Artifact(artifactPDF)
	if b.SHA256 != sha256Hex(bundle) || p.SHA256 != sha256Hex(pdf) || rec.Status != "sealed" {
		t.Fatalf("seal record %+v does not match the downloads", rec)
	}
	for i, ev := range evs {
		if ev.Type != "agreement.sealed" {
			continue
		}
		var data struct {
			AuditHead string `json:"audit_head"`
		}
		_ = json.Unmarshal(ev.Data, &data)
		if data.AuditHead != rec.AuditHead || evs[rec.AuditEvents-1].Hash != rec.AuditHead || i < rec.AuditEvents {
			t.Fatalf("agreement.sealed (seq %d) names audit head %s; the manifest anchors %s at event %d", ev.Seq, data.AuditHead, rec.AuditHead, rec.AuditEvents)
		}
	}
}

// checkArchiveRetention checks that every sealed artifact is in the archive under
// COMPLIANCE retention for the agreement's retention period.
func checkArchiveRetention(t *testing.T, archive blob.Store, id string) {
	t.Helper()
	objs, err := archive.List(context.Background(), "agreements/"+id+"/evidence/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 4 {
		t.Fatalf("%d archived artifacts, want 4: %+v", len(objs), objs)
	}
	for _, o := range objs {
		if until := time.Until(o.RetainUntil); until < 3649*24*time.Hour {
			t.Errorf("%s retained until %s, want about 10 years", o.Key, o.RetainUntil)
		}
	}
}

// verifyJWSGeneric reads the bundle with archive/zip and checks every signer's JWS with
// golang-jwt alone, the public key built from the manifest's JWK by hand.
func verifyJWSGeneric(t *testing.T, bundle []byte, want int) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(bundle), int64(len(bundle)))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
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
			rc.Close()
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(m.Signatures) != want {
		t.Fatalf("%d signatures in the manifest, want %d", len(m.Signatures), want)
	}
	for _, s := range m.Signatures {
		x, _ := base64.RawURLEncoding.DecodeString(s.JWK.X)
		y, _ := base64.RawURLEncoding.DecodeString(s.JWK.Y)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Parse(s.JWS, func(*jwt.Token) (any, error) { return pub, nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("signroom-sign"), jwt.WithIssuer(s.ParticipantID), jwt.WithIssuedAt())
		if err != nil {
			t.Fatalf("%s: golang-jwt: %v", s.ParticipantID, err)
		}
		thumb := sha256.Sum256([]byte(fmt.Sprintf(`{"crv":"%s","kty":"%s","x":"%s","y":"%s"}`, s.JWK.Crv, s.JWK.Kty, s.JWK.X, s.JWK.Y)))
		if kid := tok.Header["kid"]; kid != base64.RawURLEncoding.EncodeToString(thumb[:]) {
			t.Errorf("%s: kid %v is not the JWK's RFC 7638 thumbprint", s.ParticipantID, kid)
		}
	}
}
