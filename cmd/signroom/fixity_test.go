package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

// TestFixityCommand: signroom fixity passes an intact archive and fails (exit 1, the object
// named on stdout) once a sealed object's recorded hash no longer matches.
func TestFixityCommand(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "signroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	local, err := blob.NewLocal(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{1}, 32), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := db.CreateUser(ctx, agreement.User{Username: "org", PasswordHash: "h"})
	a := &agreement.Agreement{Owner: u.ID, State: agreement.StateSigning}
	if err := db.CreateAgreement(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	key := "agreements/" + a.ID + "/evidence/sealed.pdf"
	info, err := local.Buckets().Archive.Put(ctx, key, strings.NewReader("%PDF sealed"), blob.PutOptions{RetainUntil: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	art := agreement.Artifact{Name: "sealed.pdf", ArchiveKey: key, VersionID: info.VersionID, SHA256: info.SHA256, Size: info.Size}
	if err := db.StageSeal(ctx, agreement.Seal{AgreementID: a.ID, SealedAt: time.Now(), RetainUntil: time.Now().Add(time.Hour),
		StagedAt: time.Now(), Artifacts: []agreement.Artifact{art}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishSeal(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = agreement.StateSealed; return nil }); err != nil {
		t.Fatal(err)
	}
	fixity := func() (int, string) {
		var out, errb bytes.Buffer
		code := run(ctx, []string{"fixity", "--data-dir", dir}, func(string) string { return "" }, nil, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := fixity(); code != 0 || !strings.Contains(out, "1 records, 1 objects, 11 bytes, 0 problems") {
		t.Fatalf("intact: exit %d, %q", code, out)
	}
	db.Close()
	changeOnDisk(t, filepath.Join(dir, "blobs"), "%PDF sealed", "%PDF SEALED")
	if code, out := fixity(); code != 1 || !strings.Contains(out, "MISMATCH "+a.ID+" "+key) {
		t.Fatalf("changed: exit %d, %q", code, out)
	}
}

// TestReindexCommand: with the database deleted, signroom reindex restores the sealed record
// from the local archive (its manifest).
func TestReindexCommand(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	local, err := blob.NewLocal(filepath.Join(dir, "blobs"), bytes.Repeat([]byte{1}, 32), "http://127.0.0.1", nil)
	if err != nil {
		t.Fatal(err)
	}
	id := sqlite.NewID()
	_, err = local.Buckets().Archive.Put(ctx, "agreements/"+id+"/evidence/manifest.json",
		strings.NewReader(`{"agreement":{"id":"`+id+`","titles":{"ko":"복원된 협정"}},"sealed_at":"2026-01-02T03:04:05Z"}`), blob.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"reindex", "--data-dir", dir}, func(string) string { return "" }, nil, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "1 records restored") {
		t.Fatalf("reindex: exit %d, %q %q", code, out.String(), errb.String())
	}
	db, err := sqlite.Open(ctx, filepath.Join(dir, "signroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if a, err := db.Agreement(ctx, id); err != nil || a.Title["ko"] != "복원된 협정" || a.State != agreement.StateSealed {
		t.Fatalf("restored = %+v, %v", a, err)
	}
}

// changeOnDisk replaces old with new in the one file under root holding old.
func changeOnDisk(t *testing.T, root, old, new string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(old)) {
			return err
		}
		n++
		return os.WriteFile(p, bytes.ReplaceAll(b, []byte(old), []byte(new)), 0o600)
	})
	if err != nil || n != 1 {
		t.Fatalf("changed %d files holding %q under %s (%v), want 1", n, old, root, err)
	}
}
