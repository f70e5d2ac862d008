package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// TestSealedEvidenceIsTheVersionServed is the attack of issue 8 item 1 against the real
// service and a real MinIO: with the service's own S3 credentials (which can write the
// archive) a plain PUT lays new bytes over the sealed bundle, with the original hash in its
// metadata, and a DELETE without a version id lays a delete marker over the sealed PDF. The
// downloads must go on serving the sealed bytes (whole and ranged), and each change must
// raise an alert: the integrity metric and an audit event.
func TestSealedEvidenceIsTheVersionServed(t *testing.T) {
	mc := blobtest.MinIO(t)
	m, base := startMainEnv(t, map[string]string{"SIGNROOM_S3_SECRET_KEY": mc.SecretKey},
		"--blob", "s3", "--s3-endpoint", mc.Endpoint, "--s3-access-key", mc.AccessKey, "--s3-tls=false",
		"--s3-working-bucket", mc.WorkingBucket, "--s3-archive-bucket", mc.ArchiveBucket, "--s3-part-size", "5242880")
	org, id := signAndSeal(t, m, base)
	bundlePath, pdfPath := "/api/agreements/"+id+"/evidence", "/api/agreements/"+id+"/sealed.pdf"
	bundle, pdf := fetch(t, org, bundlePath, ""), fetch(t, org, pdfPath, "")
	if left, err := m.Blobs.Working.List(context.Background(), "agreements/"+id+"/sealing/"); err != nil || len(left) > 0 {
		t.Errorf("sealing staging copies left in the working bucket after the seal: %v (%v)", left, err)
	}

	raw, err := minio.New(mc.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(mc.AccessKey, mc.SecretKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	forged := bytes.Repeat([]byte("forged evidence "), len(bundle)/16+1)[:len(bundle)]
	sum := sha256.Sum256(bundle)
	_, err = raw.PutObject(ctx, mc.ArchiveBucket, "agreements/"+id+"/evidence/bundle.zip", bytes.NewReader(forged), int64(len(forged)),
		minio.PutObjectOptions{ContentType: "application/zip", UserMetadata: map[string]string{"Signroom-Sha256": hex.EncodeToString(sum[:])}})
	if err != nil {
		t.Fatalf("attacker PUT over the sealed bundle: %v", err)
	}
	if err := raw.RemoveObject(ctx, mc.ArchiveBucket, "agreements/"+id+"/evidence/sealed.pdf", minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("attacker DELETE of the sealed PDF: %v", err)
	}

	if got := fetch(t, org, bundlePath, ""); !bytes.Equal(got, bundle) {
		t.Errorf("bundle after the overwrite: %d bytes, want the %d sealed bytes", len(got), len(bundle))
	}
	if got := fetch(t, org, bundlePath, "bytes=0-"); !bytes.Equal(got, bundle) {
		t.Errorf("bundle (Range bytes=0-) after the overwrite differs from the sealed bytes")
	}
	if got := fetch(t, org, pdfPath, ""); !bytes.Equal(got, pdf) {
		t.Errorf("sealed PDF after the delete marker: %d bytes, want the %d sealed bytes", len(got), len(pdf))
	}
	for _, art := range []string{"bundle.zip", "sealed.pdf"} {
		if n := alertCount(t, m, art, "latest_version_differs"); n != 1 {
			t.Errorf("signroom_archive_integrity_alerts_total{artifact=%q} = %v, want 1", art, n)
		}
	}
	if n := auditCount(t, org, id, "evidence.archive_changed"); n != 2 {
		t.Errorf("evidence.archive_changed audit events = %d, want 2 (one per changed artifact)", n)
	}
}

// TestTamperedLocalArchiveIsNotServedWhole: a holder of the host rewrites the sealed bundle's
// bytes in the local archive directory, keeping its size and sidecar. The download is cut
// before its last bytes (the SHA-256 is checked while streaming), and an alert is raised.
func TestTamperedLocalArchiveIsNotServedWhole(t *testing.T) {
	m, base := startMain(t)
	org, id := signAndSeal(t, m, base)
	path := filepath.Join(m.Config.DataDir, "blobs", "archive", "objects", "agreements", id, "evidence", "bundle.zip")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("local archive layout: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-100] ^= 0xff
	os.Chmod(path, 0o600)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	resp := getRange(t, org, "/api/agreements/"+id+"/evidence", "")
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || int64(len(got)) >= resp.ContentLength {
		t.Errorf("download of a tampered bundle: status %d, read %d of %d bytes, err %v; want the body cut short",
			resp.StatusCode, len(got), resp.ContentLength, err)
	}
	if n := alertCount(t, m, "bundle.zip", "content_mismatch"); n != 1 {
		t.Errorf("content_mismatch alerts = %v, want 1", n)
	}
}

func getRange(t *testing.T, c *apitest.Client, path, rng string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", c.Base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func fetch(t *testing.T, c *apitest.Client, path, rng string) []byte {
	t.Helper()
	resp := getRange(t, c, path, rng)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || (resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent) {
		t.Fatalf("GET %s (Range %q) = %d %.200s (%v)", path, rng, resp.StatusCode, b, err)
	}
	return b
}

func alertCount(t *testing.T, m *Main, artifact, kind string) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "signroom_archive_integrity_alerts_total" {
			continue
		}
		for _, mt := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["artifact"] == artifact && labels["kind"] == kind {
				return mt.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func auditCount(t *testing.T, c *apitest.Client, id, typ string) int {
	t.Helper()
	var out struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	c.Do("GET", "/api/agreements/"+id+"/audit", nil, "", http.StatusOK, &out)
	n := 0
	for _, e := range out.Events {
		if strings.EqualFold(e.Type, typ) {
			n++
		}
	}
	return n
}
