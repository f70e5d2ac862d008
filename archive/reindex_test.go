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
			file := filepath.Join(t.TempDir(), "signroom.db")
			db, err := sqlite.Open(ctx, file)
			if err != nil {
				t.Fatal(err)
			}
			if n, _, err := archive.Reindex(ctx, arch, db); err != nil || n != 3 {
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
			if err != nil || restored != 3 || present != 0 {
				t.Fatalf("reindex = %d restored, %d present, %v; want 3, 0", restored, present, err)
			}
			if _, present, _ := archive.Reindex(ctx, arch, db); present != 3 {
				t.Fatalf("a second reindex found %d present, want 3", present)
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
			if err != nil || run.Records != 3 || run.Objects != 6 || len(run.Problems) != 0 {
				t.Fatalf("fixity over the rebuilt seal records = %+v, %v; want 3 records, 6 objects, intact", run, err)
			}
		})
	}
}
