package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// signAs registers a fresh P-256 key for the participant (as WebCrypto would make it),
// fetches a nonce with the statement to sign, signs it and submits the signature.
func signAs(t *testing.T, base, joinToken string) map[string]any {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwk, err := signatures.JWKFromPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	c := &apitest.Client{T: t, Base: base, Token: joinToken}
	c.Post("/api/join/key", map[string]any{"jwk": jwk}, http.StatusCreated, nil)
	var n struct {
		Statement signatures.Statement `json:"statement"`
	}
	c.Post("/api/join/nonce", nil, http.StatusCreated, &n)
	n.Statement.IssuedAt = time.Now().Unix()
	jws, err := signatures.Sign(n.Statement, key)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	c.Post("/api/join/signature", map[string]any{"jws": jws}, http.StatusCreated, &out)
	return out
}

// TestSignAndSealThroughTheRealService: two signatories present in the live room sign in
// order; the agreement seals; the archive holds the evidence under retention; the downloaded
// bundle passes `signroom verify`, and a byte flipped in it fails verification.
func TestSignAndSealThroughTheRealService(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		m, base := startMain(t)
		signAndSeal(t, m, base)
	})
	t.Run("minio", func(t *testing.T) {
		mc := blobtest.MinIO(t)
		m, base := startMainEnv(t, map[string]string{"SIGNROOM_S3_SECRET_KEY": mc.SecretKey},
			"--blob", "s3", "--s3-endpoint", mc.Endpoint, "--s3-access-key", mc.AccessKey, "--s3-tls=false",
			"--s3-working-bucket", mc.WorkingBucket, "--s3-archive-bucket", mc.ArchiveBucket, "--s3-part-size", "5242880")
		signAndSeal(t, m, base)
	})
}

// signAndSeal runs a two-signatory ceremony to its seal through the real service, checks
// the archive and the downloads, and returns the organizer's client and the agreement id.
func signAndSeal(t *testing.T, m *Main, base string) (*apitest.Client, string) {
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	rtc := loopbackClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var members []*member
	for _, pid := range []string{mou.Kim, mou.Wang} {
		p, err := joinCeremony(ctx, t, rtc, base, mou.ID, mou.Tokens[pid])
		if err != nil {
			t.Fatalf("join %s: %v", pid, err)
		}
		p.publish(ctx, t, pid)
		members = append(members, p)
	}
	org.Post("/api/agreements/"+mou.ID+"/open-signing", nil, http.StatusOK, nil)
	signAs(t, base, mou.Tokens[mou.Kim])
	last := signAs(t, base, mou.Tokens[mou.Wang])
	if last["complete"] != true {
		t.Fatalf("last signature response = %v, want complete", last)
	}
	time.Sleep(2 * time.Second) // closing words
	org.Post("/api/agreements/"+mou.ID+"/close", nil, http.StatusOK, nil)
	for _, p := range members {
		if reason := waitBye(t, p.c, 10*time.Second); reason != protocol.ReasonSealed {
			t.Errorf("bye after sealing = %q, want %q", reason, protocol.ReasonSealed)
		}
	}
	recs := checkSealedRecordings(ctx, t, m, mou.ID, []string{mou.Kim, mou.Wang})

	objs, err := m.Blobs.Archive.List(ctx, "agreements/"+mou.ID+"/evidence/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < 3 {
		t.Fatalf("archive holds %d evidence objects, want sealed PDF, manifest and bundle", len(objs))
	}
	for _, o := range objs {
		// Listings need not carry retention (S3's do not); Stat must.
		if o, err = m.Blobs.Archive.Stat(ctx, o.Key); err != nil {
			t.Fatal(err)
		}
		if o.RetainUntil.Before(time.Now().AddDate(9, 11, 0)) {
			t.Errorf("%s retained until %v, want about 10 years", o.Key, o.RetainUntil)
		}
		if err := m.Blobs.Archive.Delete(ctx, o.Key); !errors.Is(err, blob.ErrRetained) {
			t.Errorf("deleting archived %s = %v, want ErrRetained", o.Key, err)
		}
	}

	bundle := filepath.Join(t.TempDir(), "bundle.zip")
	download(t, org, "/api/agreements/"+mou.ID+"/evidence", bundle)
	pdf := filepath.Join(t.TempDir(), "sealed.pdf")
	download(t, org, "/api/agreements/"+mou.ID+"/sealed.pdf", pdf)
	checkTrustFlags(t, m, base, bundle, pdf)
	checkVerifyRecordings(ctx, t, m, bundle, recs)
	b, _ := os.ReadFile(bundle)
	b[len(b)/2] ^= 0x01
	os.WriteFile(bundle, b, 0o600)
	if code, out, _ := runCmd(t, t.TempDir(), "", "verify", bundle); code != 1 || !strings.Contains(out, "FAIL") {
		t.Fatalf("signroom verify of a tampered bundle = exit %d\n%s", code, out)
	}
	return org, mou.ID
}

// checkTrustFlags: without a trusted seal the record is "seal unverified" (exit 3); with the
// service's published list (--trust-url), its certificate or fingerprint it is valid (0); with
// another installation's fingerprint it fails (1).
func checkTrustFlags(t *testing.T, m *Main, base, bundle, pdf string) {
	t.Helper()
	fp := evidence.CertFingerprint(m.Sealer.Cert)
	certFile := filepath.Join(t.TempDir(), "seal.pem")
	os.WriteFile(certFile, evidence.CertPEM(m.Sealer.Cert), 0o600)
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{[]string{"verify", bundle}, 3, "SEAL UNVERIFIED"},
		{[]string{"verify", pdf}, 3, "SEAL UNVERIFIED"},
		{[]string{"verify", "--trust-url", base, bundle}, 0, "VALID"},
		{[]string{"verify", "--trust-url", base, pdf}, 0, "VALID"},
		{[]string{"verify", "--seal-cert", certFile, bundle}, 0, "VALID"},
		{[]string{"verify", "--seal-fingerprint", fp, "--json", pdf}, 0, `"verdict": "valid"`},
		{[]string{"verify", "--seal-fingerprint", strings.Repeat("ab", 32), bundle}, 1, "FAIL  seal trust"},
		{[]string{"verify", "--trust-url", "http://example.org", bundle}, 2, ""},
	}
	for _, tt := range tests {
		if code, out, errs := runCmd(t, t.TempDir(), "", tt.args...); code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
			t.Errorf("signroom %q = exit %d\n%s%s\nwant exit %d with %q", tt.args, code, out, errs, tt.wantCode, tt.wantOut)
		}
	}
}

func download(t *testing.T, c *apitest.Client, path, file string) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.Base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, resp.Body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s (%v)", path, resp.StatusCode, buf.Bytes(), err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkSealedRecordings: each publisher's segment moved to the archive under retention with
// the hash the catalog and the signed manifest give it, and the manifest places both
// signatures on the recordings' timeline.
func checkSealedRecordings(ctx context.Context, t *testing.T, m *Main, id string, publishers []string) []agreement.Recording {
	t.Helper()
	recs, err := m.DB.Recordings(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	man := archivedManifest(ctx, t, m.Blobs.Archive, id)
	if len(recs) != len(publishers) || len(man.Recordings) != len(recs) {
		t.Fatalf("%d catalogued segments, %d in the manifest; want %d", len(recs), len(man.Recordings), len(publishers))
	}
	for i, r := range recs {
		info, err := m.Blobs.Archive.Stat(ctx, r.ArchiveKey)
		if err != nil || r.State != "archived" || info.RetainUntil.Before(time.Now().AddDate(9, 11, 0)) {
			t.Errorf("segment %s: state %s, archive %+v, %v; want archived under 10-year retention", r.ID, r.State, info, err)
		}
		if mr := man.Recordings[i]; mr.SHA256 != r.SHA256 || mr.Size != r.Size || mr.ObjectKey != r.ArchiveKey || !mr.StartedAt.Equal(r.StartedAt) || len(mr.Kinds) != 2 {
			t.Errorf("manifest recording %+v, catalog %+v", mr, r)
		}
		if _, err := m.Blobs.Working.Stat(ctx, r.ObjectKey); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("working copy of %s still there (%v); it moved to the archive", r.ID, err)
		}
	}
	if man.Timeline == nil || len(man.Timeline.Signatures) != 2 {
		t.Fatalf("manifest timeline %+v, want both signatures on it", man.Timeline)
	}
	return recs
}

// checkVerifyRecordings: signroom verify --recordings checks the files exported from the
// archive against the bundle's hashes, and names the one that was altered.
func checkVerifyRecordings(ctx context.Context, t *testing.T, m *Main, bundle string, recs []agreement.Recording) {
	t.Helper()
	dir := t.TempDir()
	for _, r := range recs {
		rc, _, err := m.Blobs.Archive.Open(ctx, r.ArchiveKey)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, path.Base(r.ArchiveKey)), data, 0o600)
	}
	fp := evidence.CertFingerprint(m.Sealer.Cert)
	args := []string{"verify", "--seal-fingerprint", fp, "--recordings", dir, bundle}
	if code, out, errs := runCmd(t, t.TempDir(), "", args...); code != 0 || strings.Count(out, "the given file matches") != len(recs) {
		t.Fatalf("verify --recordings = exit %d\n%s%s", code, out, errs)
	}
	name := filepath.Join(dir, path.Base(recs[0].ArchiveKey))
	data, _ := os.ReadFile(name)
	data[len(data)/2] ^= 0x01
	os.WriteFile(name, data, 0o600)
	if code, out, _ := runCmd(t, t.TempDir(), "", args...); code != 1 || !strings.Contains(out, "FAIL  recording: "+recs[0].ParticipantID) {
		t.Fatalf("verify --recordings with an altered file = exit %d\n%s", code, out)
	}
}
