package blobtest

import (
	"errors"
	"testing"

	"github.com/signroom/signroom/storage/blob"
)

// testLegalHold: a held archive object cannot be deleted (its retention has no say), the hold
// reads back, the backend itself refuses, and once lifted the object can be deleted.
func (s *suite) testLegalHold(t *testing.T) {
	f := s.newFixture(t)
	key := "agreements/a1/evidence/held.pdf"
	data := payload(200, 7)
	mustPut(t, f.Buckets.Archive, key, data, blob.PutOptions{})
	holder, ok := f.Buckets.Archive.(blob.LegalHolder)
	if !ok {
		t.Fatalf("the archive store %T is not a blob.LegalHolder", f.Buckets.Archive)
	}
	wantHold := func(want bool) {
		t.Helper()
		if got, err := holder.LegalHold(ctxT(t), key); err != nil || got != want {
			t.Fatalf("LegalHold = %v, %v; want %v", got, err, want)
		}
	}
	wantHold(false)
	if err := holder.SetLegalHold(ctxT(t), key, true); err != nil {
		t.Fatalf("SetLegalHold(on): %v", err)
	}
	wantHold(true)
	err := f.Buckets.Archive.Delete(ctxT(t), key)
	wantErr(t, "Delete held", err, blob.ErrRetained)
	if !errors.Is(err, blob.ErrHeld) {
		t.Errorf("Delete held: %v, want it to wrap ErrHeld", err)
	}
	if f.CheckHeld != nil {
		f.CheckHeld(t, key)
	}
	wantBytes(t, f.Buckets.Archive, key, data)
	if err := holder.SetLegalHold(ctxT(t), key, false); err != nil {
		t.Fatalf("SetLegalHold(off): %v", err)
	}
	wantHold(false)
	if err := f.Buckets.Archive.Delete(ctxT(t), key); err != nil {
		t.Fatalf("Delete after the hold was lifted: %v", err)
	}
	wantErr(t, "SetLegalHold missing", holder.SetLegalHold(ctxT(t), key, true), blob.ErrNotFound)
	if w, ok := f.Buckets.Working.(blob.LegalHolder); ok {
		mustPut(t, f.Buckets.Working, "w/held", data, blob.PutOptions{})
		wantErr(t, "SetLegalHold on working", w.SetLegalHold(ctxT(t), "w/held", true), blob.ErrRetentionUnsupported)
	}
}
