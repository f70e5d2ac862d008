package archive_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

const marker = "FIXITY-MARKER-7f3a9c"

type counter int

func (c *counter) Inc() { *c++ }

// sealRecord stores a sealed agreement whose seal lists sealed.pdf and manifest.json, the
// manifest listing one recording; all three are archived. It returns the id and the
// recording's key.
func sealRecord(t *testing.T, db *sqlite.DB, arch blob.Store) (string, string) {
	t.Helper()
	ctx := context.Background()
	a := ownedAgreement(t, db, "Fixity", agreement.StateSigning)
	until := time.Now().Add(time.Hour)
	put := func(key string, b []byte) agreement.Artifact {
		info, err := arch.Put(ctx, key, bytes.NewReader(b), blob.PutOptions{RetainUntil: until})
		if err != nil {
			t.Fatal(err)
		}
		return agreement.Artifact{ArchiveKey: key, VersionID: info.VersionID, SHA256: info.SHA256, Size: info.Size}
	}
	recKey := archive.RecordPrefix(a.ID) + "recordings/cam.webm"
	rec := bytes.Repeat([]byte("webm-"), 40000) // 200 kB: a part file, not inline data
	copy(rec[1000:], marker)
	put(recKey, rec)
	sum := sha256.Sum256(rec)
	man, _ := json.Marshal(evidence.Manifest{Recordings: []evidence.Recording{{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(rec)), ObjectKey: recKey}}})
	pdf := put(archive.RecordPrefix(a.ID)+"evidence/sealed.pdf", []byte("%PDF-1.7 sealed"))
	pdf.Name = "sealed.pdf"
	mf := put(archive.RecordPrefix(a.ID)+"evidence/manifest.json", man)
	mf.Name = "manifest.json"
	s := agreement.Seal{AgreementID: a.ID, SealedAt: time.Now(), RetainUntil: until, StagedAt: time.Now(), Artifacts: []agreement.Artifact{pdf, mf}}
	if err := db.StageSeal(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishSeal(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = agreement.StateSealed; return nil }); err != nil {
		t.Fatal(err)
	}
	return a.ID, recKey
}

// flipMarkedByte changes one byte of the object's bytes on disk, in whichever file under
// dir holds the marker (the local store's data file; MinIO's part file or xl.meta).
func flipMarkedByte(t *testing.T, dir string) {
	t.Helper()
	flipMarkedByteOf(t, dir, marker)
}

// flipMarkedByteOf changes the first byte of marker in whichever file under dir holds it.
func flipMarkedByteOf(t *testing.T, dir, marker string) {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || found {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i := bytes.Index(b, []byte(marker)); i >= 0 {
			b[i] ^= 0x20
			found = true
			return os.WriteFile(p, b, 0o600)
		}
		return nil
	})
	if err != nil || !found {
		t.Fatalf("no file under %s holds the marker (%v)", dir, err)
	}
}

func TestFixityFindsAChangedByte(t *testing.T) {
	for name, tc := range map[string]struct {
		store func(t *testing.T) (blob.Store, string)
	}{
		"local": {func(t *testing.T) (blob.Store, string) {
			dir := t.TempDir()
			l, err := blob.NewLocal(dir, []byte("0123456789abcdef0123456789abcdef"), "http://127.0.0.1", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l.Buckets().Archive, dir
		}},
		"minio": {func(t *testing.T) (blob.Store, string) {
			st := archiveStores(t)["minio"](t)
			dir := os.Getenv("SIGNROOM_TEST_MINIO_DATA_DIR")
			if dir == "" {
				t.Fatal("SIGNROOM_TEST_MINIO_DATA_DIR not set: run under scripts/minio.sh")
			}
			return st, dir
		}},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			arch, dir := tc.store(t)
			id, recKey := sealRecord(t, db, arch)
			var mism counter
			f := &archive.Fixity{Store: db, Archive: arch, Mismatches: &mism, Log: discard(), Now: time.Now}
			run, err := f.Run(ctx)
			if err != nil || run.Objects != 3 || len(run.Problems) != 0 {
				t.Fatalf("clean run = %+v, %v; want 3 objects, no problems", run, err)
			}
			flipMarkedByte(t, dir)
			run, err = f.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(run.Problems) != 1 || run.Problems[0].Key != recKey || mism != 1 {
				t.Fatalf("run after the change: problems %+v, metric %d; want one on %s", run.Problems, mism, recKey)
			}
			last, alerts, err := db.LastFixity(ctx, id)
			if err != nil || last.ID != run.ID || len(alerts) != 1 || alerts[0].Key != recKey {
				t.Fatalf("LastFixity = %+v, %+v, %v", last, alerts, err)
			}
			evs, _ := db.AuditEvents(ctx, id)
			if got := evs[len(evs)-1].Type; got != "fixity.mismatch" {
				t.Fatalf("last audit event = %s, want fixity.mismatch", got)
			}
		})
	}
}
