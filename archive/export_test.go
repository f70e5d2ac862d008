package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/evidencetest"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

// exportSealer seals the export tests' records.
var exportSealer = func() *evidence.Sealer {
	s, err := evidence.NewSelfSignedSealer("Signroom export test seal", evidencetest.At)
	if err != nil {
		panic(err)
	}
	return s
}()

// recordingStream is size bytes of a WebM-looking, incompressible recording: its marker
// (so a test can find its bytes on disk) after the EBML magic, then seeded random bytes.
func recordingStream(seed uint64, size int64, marker string) io.Reader {
	head := append([]byte("\x1a\x45\xdf\xa3"), marker...)
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 7})
	return io.LimitReader(io.MultiReader(bytes.NewReader(head), rng), size)
}

// exportRecord seals a record with recordings of the given sizes (listed by hash only, as
// sealing lists them), archives its evidence and recordings as sealing does, and records the
// agreement, its seal and its recordings in db. It returns the agreement id.
func exportRecord(t testing.TB, db *sqlite.DB, arch blob.Store, sizes []int64) string {
	t.Helper()
	ctx := context.Background()
	a := ownedAgreement(t, db, "Export", agreement.StateSigning)
	until := time.Now().Add(time.Hour)
	var recs []evidence.Recording
	for i, size := range sizes {
		id := fmt.Sprintf("seg-%d", i+1)
		key := archive.RecordPrefix(a.ID) + "recordings/" + id + ".webm"
		info, err := arch.Put(ctx, key, recordingStream(uint64(i), size, fmt.Sprintf("EXPORT-MARKER-%d-%s", i, a.ID)),
			blob.PutOptions{ContentType: "video/webm", RetainUntil: until})
		if err != nil {
			t.Fatal(err)
		}
		pid := fmt.Sprintf("p-%d", i%2+1)
		started := evidencetest.At.Add(5*time.Minute + time.Duration(i)*1500*time.Millisecond)
		recs = append(recs, evidence.Recording{ID: id, ParticipantID: pid, Source: "camera", Kinds: []string{"audio", "video"},
			Filename: id + ".webm", SHA256: info.SHA256, Size: info.Size, StartedAt: started, Clock: "arrival", DurationMS: 60000, ObjectKey: key})
		if err := db.SaveRecording(ctx, agreement.Recording{ID: id, AgreementID: a.ID, ParticipantID: pid, Source: "camera",
			StartedAt: started, Size: info.Size, SHA256: info.SHA256, State: agreement.RecordingArchived, ObjectKey: key,
			ArchiveKey: key, ArchiveVersion: info.VersionID}); err != nil {
			t.Fatal(err)
		}
	}
	rec := evidencetest.Seal(t, exportSealer, evidencetest.Options{AgreementID: a.ID, Recordings: recs})
	put := func(name string, b []byte) agreement.Artifact {
		key := archive.RecordPrefix(a.ID) + "evidence/" + name
		info, err := arch.Put(ctx, key, bytes.NewReader(b), blob.PutOptions{RetainUntil: until})
		if err != nil {
			t.Fatal(err)
		}
		return agreement.Artifact{Name: name, ArchiveKey: key, VersionID: info.VersionID, SHA256: info.SHA256, Size: info.Size}
	}
	s := agreement.Seal{AgreementID: a.ID, SealedAt: time.Now(), RetainUntil: until, StagedAt: time.Now(),
		Artifacts: []agreement.Artifact{put("sealed.pdf", rec.PDF), put("manifest.json", rec.Manifest), put("bundle.zip", rec.Bundle)}}
	if err := db.StageSeal(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishSeal(ctx, a.ID, func(ed *agreement.Edit) error { ed.Agreement.State = agreement.StateSealed; return nil }); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// exportFile streams the export of id into a temporary file (the test's stand-in for the
// client) and returns the file, its size and the export's announced size.
func exportFile(t testing.TB, rs *archive.Records, id string) (*os.File, int64, int64, error) {
	t.Helper()
	ctx := context.Background()
	x, err := rs.PrepareExport(ctx, id)
	if err != nil {
		t.Fatalf("PrepareExport: %v", err)
	}
	defer x.Close()
	f, err := os.CreateTemp(t.TempDir(), "export-*.zip")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	err = x.WriteTo(ctx, f)
	st, _ := f.Stat()
	return f, st.Size(), x.Size, err
}

func TestExportVerifiesWithRecordings(t *testing.T) {
	for name, newStore := range archiveStores(t) {
		t.Run(name, func(t *testing.T) {
			db, arch := openDB(t), newStore(t)
			id := exportRecord(t, db, arch, []int64{3 << 20, 5<<20 + 123})
			rs := &archive.Records{Store: db, Archive: arch}
			f, n, want, err := exportFile(t, rs, id)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("wrote %d bytes, announced %d", n, want)
			}
			rep := evidence.VerifyBundle(context.Background(), f, n, evidence.Options{Trust: evidence.TrustCerts("test", exportSealer.Cert)})
			if !rep.OK() {
				t.Fatalf("the export does not verify: %+v", rep.Failed())
			}
			checked := 0
			for _, c := range rep.Checks {
				if len(c.Name) > len(evidence.CheckRecording) && c.Name[:len(evidence.CheckRecording)] == evidence.CheckRecording && c.OK &&
					bytes.Contains([]byte(c.Detail), []byte("exported with the record")) {
					checked++
				}
			}
			if checked != 2 {
				t.Fatalf("%d recordings checked from the export, want 2: %+v", checked, rep.Checks)
			}
		})
	}
}

func TestExportDetectsAChangedRecording(t *testing.T) {
	for name, tc := range map[string]func(t *testing.T) (blob.Store, string){
		"local": func(t *testing.T) (blob.Store, string) {
			dir := t.TempDir()
			l, err := blob.NewLocal(dir, []byte("0123456789abcdef0123456789abcdef"), "http://127.0.0.1", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l.Buckets().Archive, dir
		},
		"minio": func(t *testing.T) (blob.Store, string) {
			st := archiveStores(t)["minio"](t)
			dir := os.Getenv("SIGNROOM_TEST_MINIO_DATA_DIR")
			if dir == "" {
				t.Fatal("SIGNROOM_TEST_MINIO_DATA_DIR not set: run under scripts/minio.sh")
			}
			return st, dir
		},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			arch, dir := tc(t)
			id := exportRecord(t, db, arch, []int64{1 << 20, 2 << 20})
			flipByte(t, dir, fmt.Sprintf("EXPORT-MARKER-1-%s", id))
			var mism counter
			rs := &archive.Records{Store: db, Archive: arch, Fixity: &archive.Fixity{Store: db, Archive: arch, Mismatches: &mism, Log: discard(), Now: time.Now}}
			_, n, want, err := exportFile(t, rs, id)
			if !errors.Is(err, archive.ErrExportMismatch) || !errors.Is(err, evidence.ErrRecordingMismatch) {
				t.Fatalf("export of a changed recording: %v, want ErrExportMismatch", err)
			}
			if n >= want {
				t.Fatalf("wrote %d of %d bytes: the stream did not stop", n, want)
			}
			_, alerts, err := db.LastFixity(ctx, id)
			key := archive.RecordPrefix(id) + "recordings/seg-2.webm"
			if err != nil || len(alerts) != 1 || alerts[0].Key != key || mism != 1 {
				t.Fatalf("fixity alerts %+v (%v), metric %d; want one on %s", alerts, err, mism, key)
			}
			// the export checked this record alone: it is no other record's last fixity check
			if other, _, err := db.LastFixity(ctx, "another-record"); err != nil || other.ID != 0 {
				t.Fatalf("another record's last fixity check is the export's run over %s: %+v (%v)", id, other, err)
			}
			evs, _ := db.AuditEvents(ctx, id)
			if got := evs[len(evs)-1].Type; got != "fixity.mismatch" {
				t.Fatalf("last audit event %s, want fixity.mismatch", got)
			}
		})
	}
}

// flipByte changes the byte after marker in whichever file under dir holds it.
func flipByte(t *testing.T, dir, marker string) {
	t.Helper()
	flipMarkedByteOf(t, dir, marker)
}

// BenchmarkExportMemory exports a record with 8 MiB and one with 256 MiB of recordings from
// MinIO in the same process and reports each run's peak heap growth and throughput; the
// ratio of the two heap figures shows whether memory grows with the recordings. Run with:
//
//	scripts/minio.sh run -- go test -run '^$' -bench BenchmarkExportMemory -benchtime 1x ./archive/
func BenchmarkExportMemory(b *testing.B) {
	arch := archiveStores(b)["minio"](b)
	db := openDB(b)
	for _, total := range []int64{8 << 20, 256 << 20} {
		sizes := []int64{total / 2, total / 2}
		id := exportRecord(b, db, arch, sizes)
		rs := &archive.Records{Store: db, Archive: arch}
		b.Run(fmt.Sprintf("recordings=%dMiB", total>>20), func(b *testing.B) {
			for range b.N {
				growth, secs, n := measureExport(b, rs, id)
				b.ReportMetric(float64(growth)/(1<<20), "peak-heap-growth-MiB")
				b.ReportMetric(float64(n)/(1<<20)/secs, "MiB/s")
				b.ReportMetric(float64(n)/(1<<20), "export-MiB")
			}
		})
	}
}

// measureExport streams an export to io.Discard (through a hash, as a client checking it
// would) while sampling the live heap, and returns the peak growth over the heap before,
// the seconds taken and the bytes written.
func measureExport(b *testing.B, rs *archive.Records, id string) (uint64, float64, int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var top uint64
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-done:
				peak <- top
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	x, err := rs.PrepareExport(context.Background(), id)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	cw := &countingWriter{w: h}
	if err := x.WriteTo(context.Background(), cw); err != nil {
		b.Fatal(err)
	}
	x.Close()
	secs := time.Since(start).Seconds()
	close(done)
	top := <-peak
	_ = hex.EncodeToString(h.Sum(nil))
	if cw.n != x.Size {
		b.Fatalf("wrote %d, announced %d", cw.n, x.Size)
	}
	return top - min(top, base), secs, cw.n
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
