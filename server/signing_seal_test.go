package server

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/docpages"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
)

// TestSealFailureThenRetry: the archive fails in the middle of sealing (after the sealed PDF
// and manifest were written). The signature stays, the agreement stays in signing and takes
// no more signatures; the owner's retry writes the same bytes (the objects already there are
// accepted by hash) and seals; the bundle verifies.
func TestSealFailureThenRetry(t *testing.T) {
	stores := localStores(t)
	flaky := &flakyArchive{Store: stores.Archive, failSuffix: "/" + artifactBundle}
	e := newEnv(t, withStores(stores.Working, flaky))
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	e.must(f.register(e, f.witness), http.StatusCreated)
	f.openSigning(e)

	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	if r := f.closeCeremony(e); r.status != http.StatusInternalServerError {
		t.Fatalf("close with a failing archive: %d %s, want 500", r.status, r.raw)
	}
	a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK)
	sigs, evs := recorded(e, f.id)
	if a.body["state"] != "signing" || len(sigs) != 1 || countEvents(evs, "signature.added") != 1 || countEvents(evs, "agreement.sealed") != 0 {
		t.Fatalf("after a failed seal: state %v, %d signatures, events %d/%d", a.body["state"], len(sigs), countEvents(evs, "signature.added"), countEvents(evs, "agreement.sealed"))
	}
	e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusNotFound)
	if r := f.sign(e, f.witness, nil); r.status != http.StatusConflict || r.errCode() != "sealing" {
		t.Fatalf("witness signature while a seal is staged: %d %s", r.status, r.raw)
	}

	e.must(e.do("POST", "/api/agreements/"+f.id+"/seal", f.owner, nil), http.StatusOK)
	if got := flaky.exists.Load(); got != 3 {
		t.Errorf("retry met %d existing archive objects, want 3 (sealed.pdf, manifest.json, manifest.jws)", got)
	}
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	e.verifyBundle(bundle)
	pdf := e.must(e.do("GET", "/api/agreements/"+f.id+"/sealed.pdf", f.owner, nil), http.StatusOK).raw
	rec, _ := e.db.Seal(context.Background(), f.id)
	if p, _ := rec.Artifact(artifactPDF); p.SHA256 != sha256Hex(pdf) {
		t.Fatalf("archived sealed.pdf is not the staged one")
	}
	e.must(e.do("POST", "/api/agreements/"+f.id+"/seal", f.owner, nil), http.StatusConflict)
}

// TestSealRefusesForeignArchiveObject: an archive object at a seal key with other bytes is
// never overwritten or accepted; the agreement stays in signing.
func TestSealRefusesForeignArchiveObject(t *testing.T) {
	stores := localStores(t)
	e := newEnv(t, withStores(stores.Working, stores.Archive))
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	key := "agreements/" + f.id + "/evidence/" + artifactPDF
	if _, err := stores.Archive.Put(context.Background(), key, strings.NewReader("not the seal"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.closeCeremony(e), http.StatusConflict)
	e.must(e.do("POST", "/api/agreements/"+f.id+"/seal", f.owner, nil), http.StatusConflict)
	rc, _, err := stores.Archive.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(rc)
	if b.String() != "not the seal" {
		t.Fatalf("archive object overwritten")
	}
	if a := e.must(e.do("GET", "/api/agreements/"+f.id, f.owner, nil), http.StatusOK); a.body["state"] != "signing" {
		t.Fatalf("state = %v, want signing", a.body["state"])
	}
}

// TestVerifyEndpoint: legal staff upload a bundle or sealed PDF and get a report; a tampered
// bundle is a report naming the failed check, not an error; other roles are refused.
func TestVerifyEndpoint(t *testing.T) {
	e := newEnv(t)
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	e.must(f.sign(e, f.signers[0], nil), http.StatusCreated)
	e.must(f.closeCeremony(e), http.StatusOK)
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	pdf := e.must(e.do("GET", "/api/agreements/"+f.id+"/sealed.pdf", f.owner, nil), http.StatusOK).raw
	legal := e.tokens["legal"]

	tampered := rezip(t, bundle, "-mou-ko.pdf", func(b []byte) []byte { b[len(b)/2] ^= 1; return b })
	tests := []struct {
		name, token, ctype string
		body               []byte
		status             int
		ok                 bool
		failed             string
	}{
		{"good bundle", legal, "application/zip", bundle, http.StatusOK, true, ""},
		{"good sealed pdf", legal, "application/pdf", pdf, http.StatusOK, true, ""},
		{"tampered bundle", legal, "application/zip", tampered, http.StatusOK, false, evidence.CheckFixity + ": data/documents/"},
		{"not evidence", legal, "application/octet-stream", []byte("hello"), http.StatusOK, false, ""},
		{"empty", legal, "application/zip", nil, http.StatusBadRequest, false, ""},
		{"organizer", f.owner, "application/zip", bundle, http.StatusForbidden, false, ""},
		{"archivist", e.tokens["archivist"], "application/zip", bundle, http.StatusForbidden, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/verify", tt.token, string(tt.body), "Content-Type", tt.ctype)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; %s", r.status, tt.status, r.raw)
			}
			if tt.status != http.StatusOK {
				return
			}
			if ok, _ := r.body["ok"].(bool); ok != tt.ok {
				t.Fatalf("ok = %v, want %v; %s", ok, tt.ok, r.raw)
			}
			if tt.failed != "" && !strings.Contains(failedNames(r), tt.failed) {
				t.Fatalf("failed checks %q do not name %q", failedNames(r), tt.failed)
			}
		})
	}
}

func failedNames(r response) string {
	var out []string
	checks, _ := r.body["checks"].([]any)
	for _, c := range checks {
		m := c.(map[string]any)
		if m["ok"] == false {
			out = append(out, m["name"].(string))
		}
	}
	return strings.Join(out, "; ")
}

// rezip copies a ZIP, changing the entry whose name ends with suffix.
func rezip(t *testing.T, in []byte, suffix string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	changed := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f.Name, suffix) {
			data, changed = change(data), true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	if err := zw.Close(); err != nil || !changed {
		t.Fatalf("rezip: %v, changed %v", err, changed)
	}
	return out.Bytes()
}

// trust is the server's published seal certificate list, as a verifier would fetch it.
func (e *env) trust() evidence.Trust {
	e.t.Helper()
	r := e.must(e.do("GET", evidence.SealListPath, "", nil), http.StatusOK)
	l, err := evidence.ParseSealList(r.raw)
	if err != nil {
		e.t.Fatal(err)
	}
	tr, err := l.Trust("test server")
	if err != nil {
		e.t.Fatal(err)
	}
	return tr
}

// verify checks a bundle or sealed PDF, trusting the server's published seal certificates.
func (e *env) verify(data []byte) evidence.Report {
	e.t.Helper()
	return evidence.VerifyFileWith(context.Background(), bytes.NewReader(data), int64(len(data)), evidence.Options{Trust: e.trust()})
}

func (e *env) verifyBundle(bundle []byte) {
	e.t.Helper()
	if rep := e.verify(bundle); !rep.OK() {
		e.t.Fatalf("bundle does not verify: %+v", rep.Failed())
	}
}

// TestSealSixSignatories: the scenario's size, six signatories and two 30-page documents;
// the seal and the verification of its bundle are timed.
func TestSealSixSignatories(t *testing.T) {
	e := newEnv(t)
	f := buildCeremonyPages(e, 6, "sequential", 30)
	for _, s := range f.signers {
		e.must(f.register(e, s), http.StatusCreated)
	}
	f.openSigning(e)
	for _, s := range f.signers[:5] {
		e.must(f.sign(e, s, nil), http.StatusCreated)
	}
	start := time.Now()
	if r := e.must(f.sign(e, f.signers[5], nil), http.StatusCreated); r.body["complete"] != true {
		t.Fatalf("not complete: %s", r.raw)
	}
	e.must(f.closeCeremony(e), http.StatusOK)
	sealTook := time.Since(start)
	bundle := e.must(e.do("GET", "/api/agreements/"+f.id+"/evidence", f.owner, nil), http.StatusOK).raw
	start = time.Now()
	e.verifyBundle(bundle)
	t.Logf("six signatures, two 30-page documents: last signature, close and seal %s, bundle %d bytes verified in %s", sealTook, len(bundle), time.Since(start))
}

// TestNoCeremonyNoSigning: without a ceremony hub nobody is connected, so nobody signs.
func TestNoCeremonyNoSigning(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Ceremony = nil })
	f := buildCeremony(e, 1, "parallel")
	e.must(f.register(e, f.signers[0]), http.StatusCreated)
	f.openSigning(e)
	if r := f.sign(e, f.signers[0], nil); r.status != http.StatusConflict || r.errCode() != "not_connected" {
		t.Fatalf("signature without a hub: %d %s", r.status, r.raw)
	}
	if sigs, _ := recorded(e, f.id); len(sigs) != 0 {
		t.Fatalf("%d signatures recorded, want 0", len(sigs))
	}
}

// TestSweepSealingRemovesLeftovers: the staging copies of a finished seal and of an attempt
// a crash left unrecorded are removed at start; those of a staged, unfinished seal stay.
func TestSweepSealingRemovesLeftovers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := draftAgreement(e).id
	staged := agreement.Seal{AgreementID: a, Status: agreement.SealStaged, SealedAt: time.Now(), RetainUntil: time.Now().AddDate(1, 0, 0),
		AuditHead: "x", StagedAt: time.Now(),
		Artifacts: []agreement.Artifact{{Name: "sealed.pdf", ArchiveKey: "agreements/" + a + "/evidence/sealed.pdf", StagingKey: "agreements/" + a + "/sealing/a1/sealed.pdf"}}}
	if err := e.db.StageSeal(ctx, staged); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{ // key -> kept
		"agreements/" + a + "/sealing/a1/sealed.pdf":     true,
		"agreements/" + a + "/sealing/a0/sealed.pdf":     false, // an attempt never recorded
		"agreements/other/sealing/a9/bundle.zip":         false, // no seal record at all
		"agreements/" + a + "/documents/d1/original.pdf": true,  // not a staging copy
	}
	for k := range keys {
		if _, err := e.blobs.Put(ctx, k, strings.NewReader("x"), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	srv := New(Config{Store: e.db, Blobs: e.blobs, Archive: e.arch})
	n, err := srv.Sealing().Sweep(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Sweep = %d, %v; want 2 removed", n, err)
	}
	for k, kept := range keys {
		if _, err := e.blobs.Stat(ctx, k); (err == nil) != kept {
			t.Errorf("%s: present = %v, want %v", k, err == nil, kept)
		}
	}
}

// TestSweepUploadsRemovesCrashLeftovers: temporary files of checks and uploaded documents no
// agreement references (a crash between storing and recording) are removed at start; the
// documents agreements hold stay.
func TestSweepUploadsRemovesCrashLeftovers(t *testing.T) {
	tmp := t.TempDir()
	e := newEnv(t, func(c *Config) { c.TempDir = tmp })
	ctx := context.Background()
	f := draftAgreement(e)
	a, _ := e.db.Agreement(ctx, f.id)
	kept := a.Documents[0].ObjectKey
	keptPage := docpages.Key(f.id, a.Documents[0].ID, 1, false)
	orphan := "agreements/" + f.id + "/documents/orphan.pdf"
	orphanPage := docpages.Key(f.id, "orphan", 1, false)
	for _, k := range []string{orphan, orphanPage} {
		if _, err := e.blobs.Put(ctx, k, strings.NewReader("%PDF-"), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"signroom-pdf-123", "signroom-verify-456"} {
		os.WriteFile(filepath.Join(tmp, n), []byte("x"), 0o600)
	}
	n, err := New(Config{Store: e.db, Blobs: e.blobs, TempDir: tmp}).SweepUploads(ctx)
	if err != nil || n != 4 {
		t.Fatalf("SweepUploads = %d, %v; want 4 removed", n, err)
	}
	for _, k := range []string{orphan, orphanPage} {
		if _, err := e.blobs.Stat(ctx, k); err == nil {
			t.Errorf("the unreferenced upload %s is still stored", k)
		}
	}
	for _, k := range []string{kept, keptPage} {
		if _, err := e.blobs.Stat(ctx, k); err != nil {
			t.Errorf("the agreement's document %s was removed: %v", k, err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
