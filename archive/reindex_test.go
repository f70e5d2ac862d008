package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/signatures"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/sqlite"
)

// archiveRecord puts a sealed record's evidence objects into the archive as sealing does:
// a manifest naming the agreement, its parties and participants, and the sealed PDF.
func archiveRecord(t *testing.T, arch blob.Store, id, title, party string) {
	t.Helper()
	ctx := context.Background()
	m := evidence.Manifest{Format: evidence.FormatVersion, SealedAt: time.Now().UTC().Truncate(time.Second),
		Agreement:    evidence.Agreement{ID: id, Titles: map[string]string{"zh": title}, RetentionUntil: time.Now().Add(time.Hour).UTC()},
		Parties:      []evidence.Party{{ID: "p1", Names: map[string]string{"ko": party}}},
		Participants: []evidence.Participant{{ID: "s1", Name: "김민준", Role: "signatory", PartyID: "p1"}}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{"manifest.json": b, "sealed.pdf": []byte("%PDF " + id)} {
		_, err := arch.Put(ctx, archive.RecordPrefix(id)+"evidence/"+name, bytes.NewReader(body), blob.PutOptions{RetainUntil: m.Agreement.RetentionUntil})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestReindexRebuildsTheDatabase(t *testing.T) {
	for name, newStore := range archiveStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			arch := newStore(t)
			ids := []string{sqlite.NewID(), sqlite.NewID(), sqlite.NewID()}
			archiveRecord(t, arch, ids[0], "韩中文化合作协定", "대한민국 외교부")
			archiveRecord(t, arch, ids[1], "港口物流备忘录", "부산항만공사")
			archiveRecord(t, arch, ids[2], "渔业协定", "해양수산부")
			// A whole record as sealing archives it: bundle, manifest, sealed PDF and two
			// recordings; its metadata lives in another database, which is lost.
			whole := exportRecord(t, openDB(t), arch, []int64{64 << 10, 96 << 10})
			file := filepath.Join(t.TempDir(), "signroom.db")
			db, err := sqlite.Open(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, err := archive.Reindex(ctx, arch, db); err != nil || n != 4 {
				t.Fatalf("first reindex = %d, %v", n, err)
			}
			if _, err := (&archive.Holds{Store: db, Archive: arch, Now: time.Now}).Place(ctx, ids[1], "u1", "court order"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			for _, f := range []string{file, file + "-wal", file + "-shm"} { // the database is lost
				os.Remove(f)
			}
			db, err = sqlite.Open(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			restored, present, err := archive.Reindex(ctx, arch, db)
			if err != nil || restored != 4 || present != 0 {
				t.Fatalf("reindex = %d restored, %d present, %v; want 4, 0", restored, present, err)
			}
			if _, present, _ := archive.Reindex(ctx, arch, db); present != 4 {
				t.Fatalf("a second reindex found %d present, want 4", present)
			}
			for i, q := range []archive.Query{{Text: "文化合作"}, {Text: "부산항만공사"}, {Text: "渔业协定", Party: "해양수산"}} {
				res, err := archive.Search(ctx, db, archive.Query{Text: q.Text, Party: q.Party, SealedOnly: true})
				if err != nil || res.Total != 1 || res.Hits[0].Agreement.ID != ids[i] {
					t.Fatalf("search %+v after reindex = %+v, %v; want %s", q, res, err, ids[i])
				}
			}
			for _, id := range ids {
				a, err := db.Agreement(ctx, id)
				if err != nil || a.State != agreement.StateSealed || len(a.Participants) != 1 {
					t.Fatalf("restored %s = %+v, %v", id, a, err)
				}
			}
			res, err := archive.Search(ctx, db, archive.Query{Hold: archive.HoldOn})
			if err != nil || res.Total != 1 || res.Hits[0].Agreement.ID != ids[1] {
				t.Fatalf("records on hold after reindex = %+v, %v; want %s", res, err, ids[1])
			}
			run, err := (&archive.Fixity{Store: db, Archive: arch, Log: discard(), Now: time.Now}).Run(ctx)
			if err != nil || run.Records != 4 || run.Objects != 11 || len(run.Problems) != 0 {
				t.Fatalf("fixity over the rebuilt seal records = %+v, %v; want 4 records, 11 objects, intact", run, err)
			}
			wantWholeRecord(t, db, arch, whole)
		})
	}
}

// wantWholeRecord checks that reindex restored the record's audit chain as sealed, its
// signatures and its recordings, so its record page is whole.
func wantWholeRecord(t *testing.T, db *sqlite.DB, arch blob.Store, id string) {
	t.Helper()
	ctx := context.Background()
	evs, err := db.AuditEvents(ctx, id)
	if err != nil || len(evs) < 4 || signatures.VerifyChain(evs) != nil {
		t.Fatalf("restored audit chain: %d events, %v", len(evs), err)
	}
	a, err := db.Agreement(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	rs := &archive.Records{Store: db, Archive: arch}
	rec, err := rs.Record(ctx, a, "user:auditor")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Signatories) != 2 || rec.Signatories[0].KeyThumbprint == "" || rec.Signatories[0].SignedAt == nil ||
		rec.Signatories[1].OffsetMS == nil || rec.Signatories[0].Algorithm != "ES256" || len(rec.Signatories[0].DocumentIDs) != 2 {
		t.Errorf("restored signatories = %+v", rec.Signatories)
	}
	if len(rec.Recordings) != 2 || rec.Recordings[1].StartOffsetMS != 1500 || rec.TimelineStart == nil {
		t.Errorf("restored recordings = %+v, timeline start %v", rec.Recordings, rec.TimelineStart)
	}
	if rec.Sealed == nil || rec.Sealed.BundleSHA256 == "" || len(rec.Audit) != len(evs)+1 {
		t.Errorf("restored seal %+v, %d audit events (want %d and this view)", rec.Sealed, len(rec.Audit), len(evs))
	}
	recs, err := db.Recordings(ctx, id)
	if err != nil || len(recs) != 2 || recs[0].ArchiveVersion == "" || recs[0].State != agreement.RecordingArchived {
		t.Errorf("restored recordings catalog = %+v, %v", recs, err)
	}
	if _, err := rs.ArchivedRecording(ctx, id, recs[0].ID); err != nil {
		t.Errorf("restored recording cannot be played: %v", err)
	}
}
