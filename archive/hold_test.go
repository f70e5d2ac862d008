package archive_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/archive"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
	"github.com/signroom/signroom/storage/sqlite"
)

// ownedAgreement stores an agreement titled title in state, owned by a new organizer.
func ownedAgreement(t testing.TB, db *sqlite.DB, title string, state agreement.State) *agreement.Agreement {
	t.Helper()
	ctx := context.Background()
	u, err := db.CreateUser(ctx, agreement.User{Username: "org-" + sqlite.NewID(), PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	a := &agreement.Agreement{Owner: u.ID, Title: agreement.Localized{"en": title}, State: state}
	if err := db.CreateAgreement(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	return a
}

// sealedRecord stores a sealed agreement and two archived objects of it, retained until
// retain (zero: no retention).
func sealedRecord(t *testing.T, db *sqlite.DB, arch blob.Store, retain time.Time) string {
	t.Helper()
	ctx := context.Background()
	a := ownedAgreement(t, db, "Held record", agreement.StateSealed)
	for _, name := range []string{"evidence/sealed.pdf", "evidence/bundle.zip"} {
		_, err := arch.Put(ctx, archive.RecordPrefix(a.ID)+name, bytes.NewReader([]byte(name)), blob.PutOptions{RetainUntil: retain})
		if err != nil {
			t.Fatal(err)
		}
	}
	return a.ID
}

func archiveStores(t testing.TB) map[string]func(t testing.TB) blob.Store {
	return map[string]func(t testing.TB) blob.Store{
		"local": func(t testing.TB) blob.Store {
			l, err := blob.NewLocal(t.TempDir(), []byte("0123456789abcdef0123456789abcdef"), "http://127.0.0.1", nil)
			if err != nil {
				t.Fatal(err)
			}
			return l.Buckets().Archive
		},
		"minio": func(t testing.TB) blob.Store {
			b, err := blob.NewMinIO(t.Context(), blobtest.MinIO(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			return b.Archive
		},
	}
}

func openDB(t testing.TB) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "signroom.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLegalHoldPlacedAndLifted(t *testing.T) {
	for name, newStore := range archiveStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, arch := openDB(t), newStore(t)
			id := sealedRecord(t, db, arch, time.Time{})
			h := &archive.Holds{Store: db, Archive: arch, Now: time.Now}
			if _, err := h.Place(ctx, id, "u1", "court order 2026-17"); err != nil {
				t.Fatalf("Place: %v", err)
			}
			if _, err := h.Place(ctx, id, "u1", "again"); !errors.Is(err, agreement.ErrConflict) {
				t.Fatalf("second Place = %v, want ErrConflict", err)
			}
			wantHeld(t, arch, id, true)
			err := h.Dispose(ctx, id)
			if !errors.Is(err, archive.ErrRetained) || !strings.Contains(err.Error(), "legal hold") {
				t.Fatalf("Dispose of a held record = %v, want ErrRetained naming the legal hold", err)
			}
			if err := arch.Delete(ctx, archive.RecordPrefix(id)+"evidence/sealed.pdf"); !errors.Is(err, blob.ErrHeld) {
				t.Fatalf("the store's own Delete of a held object = %v, want ErrHeld", err)
			}
			if err := h.Lift(ctx, id, "u2", "case closed"); err != nil {
				t.Fatalf("Lift: %v", err)
			}
			wantHeld(t, arch, id, false)
			if err := h.Lift(ctx, id, "u2", "again"); !errors.Is(err, agreement.ErrNotFound) {
				t.Fatalf("second Lift = %v, want ErrNotFound", err)
			}
			wantAudit(t, db, id, "legal_hold.placed", "legal_hold.lifted")
			if err := h.Dispose(ctx, id); err != nil {
				t.Fatalf("Dispose after the hold was lifted (no retention): %v", err)
			}
			if objs, _ := arch.List(ctx, archive.RecordPrefix(id)); len(objs) != 0 {
				t.Fatalf("%d objects left after Dispose", len(objs))
			}
		})
	}
}

func TestDisposeRefusedWhileRetained(t *testing.T) {
	for name, newStore := range archiveStores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, arch := openDB(t), newStore(t)
			until := time.Now().Add(time.Hour)
			id := sealedRecord(t, db, arch, until)
			h := &archive.Holds{Store: db, Archive: arch, Now: time.Now}
			err := h.Dispose(ctx, id)
			if !errors.Is(err, archive.ErrRetained) || !strings.Contains(err.Error(), "retained until "+until.UTC().Format(time.DateOnly)) {
				t.Fatalf("Dispose = %v, want ErrRetained with the date", err)
			}
			// The store refuses on its own too, for a caller that skips the check.
			if err := arch.Delete(ctx, archive.RecordPrefix(id)+"evidence/bundle.zip"); !errors.Is(err, blob.ErrRetained) {
				t.Fatalf("the store's own Delete = %v, want ErrRetained", err)
			}
			if objs, _ := arch.List(ctx, archive.RecordPrefix(id)); len(objs) != 2 {
				t.Fatalf("%d objects left, want 2", len(objs))
			}
		})
	}
}

func wantHeld(t *testing.T, arch blob.Store, id string, want bool) {
	t.Helper()
	objs, err := arch.List(context.Background(), archive.RecordPrefix(id))
	if err != nil || len(objs) != 2 {
		t.Fatalf("List = %d objects, %v; want 2", len(objs), err)
	}
	for _, o := range objs {
		if got, err := arch.(blob.LegalHolder).LegalHold(context.Background(), o.Key); err != nil || got != want {
			t.Errorf("legal hold of %s = %v, %v; want %v", o.Key, got, err, want)
		}
	}
}

func wantAudit(t *testing.T, db *sqlite.DB, id string, types ...string) {
	t.Helper()
	evs, err := db.AuditEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.Type)
	}
	if strings.Join(got, ",") != strings.Join(types, ",") {
		t.Fatalf("audit = %v, want %v", got, types)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
