package blobtest

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

// testVersions: the archive names the version each Put wrote, and OpenVersion reads that
// version (whole or a range) with its info; an unknown version is not found.
func (s *suite) testVersions(t *testing.T) {
	f := s.newFixture(t)
	st := f.Buckets.Archive
	key := "agreements/a1/evidence/manifest.json"
	data := payload(int(s.opts.PartSize)+77, 9)
	put := mustPut(t, st, key, data, blob.PutOptions{RetainUntil: time.Now().Add(time.Hour)})
	if put.VersionID == "" {
		t.Fatalf("archive Put VersionID is empty, want the version it wrote")
	}
	if stat, err := st.Stat(ctxT(t), key); err != nil || stat.VersionID != put.VersionID {
		t.Errorf("Stat = %+v, %v; want version %s", stat, err, put.VersionID)
	}
	rc, info, err := st.OpenVersion(ctxT(t), key, put.VersionID, 0, -1)
	if err != nil {
		t.Fatalf("OpenVersion: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) || info.SHA256 != put.SHA256 || info.Size != put.Size || info.VersionID != put.VersionID {
		t.Errorf("OpenVersion read %d bytes (%v), info %+v; want %d bytes, %+v", len(got), err, info, len(data), put)
	}
	rc, _, err = st.OpenVersion(ctxT(t), key, put.VersionID, 10, 5)
	if err != nil {
		t.Fatalf("OpenVersion range: %v", err)
	}
	got, _ = io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data[10:15]) {
		t.Errorf("OpenVersion(10, 5) = %x, want %x", got, data[10:15])
	}
	_, _, err = st.OpenVersion(ctxT(t), key, "00000000-0000-0000-0000-000000000000", 0, -1)
	wantErr(t, "OpenVersion of an unknown version", err, blob.ErrNotFound)
	_, _, err = st.OpenVersion(ctxT(t), "agreements/a1/evidence/none", "", 0, -1)
	wantErr(t, "OpenVersion of a missing key", err, blob.ErrNotFound)
}
