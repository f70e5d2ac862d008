package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

func (s *suite) testRoundTrip(t *testing.T) {
	f := s.newFixture(t)
	ps := int(s.opts.PartSize)
	sizes := []int{0, 1, 1000, ps - 1, ps, ps + 1, 2*ps + 123}
	for name, st := range stores(f) {
		for i, n := range sizes {
			key := keyf("agreements/a1/documents/%s-%d.bin", name, n)
			data := payload(n, byte(i))
			before := time.Now().Add(-2 * time.Second)
			put := mustPut(t, st, key, data, blob.PutOptions{ContentType: "application/pdf"})
			stat, err := st.Stat(ctxT(t), key)
			if err != nil {
				t.Fatalf("%s: Stat(%q): %v", name, key, err)
			}
			if stat.Size != int64(n) || stat.SHA256 != sha(data) || stat.ContentType != "application/pdf" || stat.Key != key {
				t.Errorf("%s: Stat(%q) = %+v, want size %d sha %s type application/pdf", name, key, stat, n, sha(data))
			}
			if stat.ModTime.Before(before) || !stat.RetainUntil.IsZero() {
				t.Errorf("%s: Stat(%q) ModTime %v RetainUntil %v, want recent and zero", name, key, stat.ModTime, stat.RetainUntil)
			}
			got, info := readAll(t, st, key)
			if !bytes.Equal(got, data) {
				t.Errorf("%s: Open(%q) read %d bytes, want %d identical", name, key, len(got), n)
			}
			if info.SHA256 != put.SHA256 || info.Size != put.Size {
				t.Errorf("%s: Open(%q) info = %+v, want sha %s size %d", name, key, info, put.SHA256, put.Size)
			}
		}
	}
	info := mustPut(t, f.Buckets.Working, "untyped", []byte("x"), blob.PutOptions{})
	if info.ContentType != blob.DefaultContentType {
		t.Errorf("Put without type: ContentType = %q, want %q", info.ContentType, blob.DefaultContentType)
	}
}

func (s *suite) testOverwriteRefused(t *testing.T) {
	f := s.newFixture(t)
	for name, st := range stores(f) {
		key := "agreements/a1/evidence/bundle.zip"
		orig := payload(100, 1)
		mustPut(t, st, key, orig, blob.PutOptions{})
		for _, n := range []int{50, int(s.opts.PartSize) + 10} {
			_, err := st.Put(ctxT(t), key, bytes.NewReader(payload(n, 2)), blob.PutOptions{})
			wantErr(t, name+": second Put", err, blob.ErrExists)
		}
		wantBytes(t, st, key, orig)
		if stat, err := st.Stat(ctxT(t), key); err != nil || stat.SHA256 != sha(orig) {
			t.Errorf("%s: Stat after refused overwrite = %+v, %v; want sha %s", name, stat, err, sha(orig))
		}
	}
}

func (s *suite) testRetention(t *testing.T) {
	f := s.newFixture(t)
	key := "agreements/a1/evidence/sealed.pdf"
	data := payload(300, 3)
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	info := mustPut(t, f.Buckets.Archive, key, data, blob.PutOptions{RetainUntil: until})
	if !info.RetainUntil.Equal(until) {
		t.Errorf("Put RetainUntil = %v, want %v", info.RetainUntil, until)
	}
	stat, err := f.Buckets.Archive.Stat(ctxT(t), key)
	if err != nil || !stat.RetainUntil.Equal(until) {
		t.Fatalf("Stat = %+v, %v; want RetainUntil %v", stat, err, until)
	}
	wantErr(t, "Delete retained", f.Buckets.Archive.Delete(ctxT(t), key), blob.ErrRetained)
	_, err = f.Buckets.Archive.Put(ctxT(t), key, bytes.NewReader([]byte("forged")), blob.PutOptions{RetainUntil: until})
	wantErr(t, "Put over retained", err, blob.ErrExists)
	if f.CheckRetained != nil {
		f.CheckRetained(t, key)
	}
	wantBytes(t, f.Buckets.Archive, key, data)

	_, err = f.Buckets.Working.Put(ctxT(t), "w/retained", bytes.NewReader(data), blob.PutOptions{RetainUntil: until})
	wantErr(t, "Put with retention on working", err, blob.ErrRetentionUnsupported)
	_, err = f.Buckets.Working.Stat(ctxT(t), "w/retained")
	wantErr(t, "Stat after refused retention", err, blob.ErrNotFound)
}

func (s *suite) testRetentionExpires(t *testing.T) {
	f := s.newFixture(t)
	key := "agreements/a1/evidence/short.bin"
	until := time.Now().Add(3 * time.Second).Truncate(time.Second)
	mustPut(t, f.Buckets.Archive, key, []byte("short"), blob.PutOptions{RetainUntil: until})
	wantErr(t, "Delete before expiry", f.Buckets.Archive.Delete(ctxT(t), key), blob.ErrRetained)
	time.Sleep(time.Until(until) + 1500*time.Millisecond)
	if err := f.Buckets.Archive.Delete(ctxT(t), key); err != nil {
		t.Fatalf("Delete after expiry: %v", err)
	}
	_, err := f.Buckets.Archive.Stat(ctxT(t), key)
	wantErr(t, "Stat after delete", err, blob.ErrNotFound)
	mustPut(t, f.Buckets.Archive, key, []byte("again"), blob.PutOptions{})
}

func (s *suite) testConcurrentSameKey(t *testing.T) {
	f := s.newFixture(t)
	const writers = 6
	for name, st := range stores(f) {
		for _, size := range []int{4096, int(s.opts.PartSize) + 4096} {
			key := keyf("race/%s/%d", name, size)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					_, errs[i] = st.Put(ctxT(t), key, bytes.NewReader(payload(size, byte(i))), blob.PutOptions{})
				})
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("%s size %d: writers %d and %d both succeeded", name, size, winner, i)
				case err == nil:
					winner = i
				case !errors.Is(err, blob.ErrExists):
					t.Errorf("%s size %d: writer %d: %v, want ErrExists", name, size, i, err)
				}
			}
			if winner < 0 {
				t.Fatalf("%s size %d: no writer succeeded: %v", name, size, errs)
			}
			wantBytes(t, st, key, payload(size, byte(winner)))
			if stat, err := st.Stat(ctxT(t), key); err != nil || stat.SHA256 != sha(payload(size, byte(winner))) {
				t.Errorf("%s: Stat = %+v, %v; want the winner's sha", name, stat, err)
			}
		}
	}
	if f.CheckClean != nil {
		f.CheckClean(t)
	}
}

func (s *suite) testConcurrentDifferentKeys(t *testing.T) {
	f := s.newFixture(t)
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = f.Buckets.Archive.Put(ctxT(t), keyf("many/%d", i), bytes.NewReader(payload(10000+i, byte(i))), blob.PutOptions{})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	for i := range writers {
		wantBytes(t, f.Buckets.Archive, keyf("many/%d", i), payload(10000+i, byte(i)))
	}
	list, err := f.Buckets.Archive.List(ctxT(t), "many/")
	if err != nil || len(list) != writers {
		t.Errorf("List(many/) = %d objects, %v; want %d", len(list), err, writers)
	}
}

func (s *suite) testNotFound(t *testing.T) {
	f := s.newFixture(t)
	for name, st := range stores(f) {
		ctx := ctxT(t)
		_, _, err := st.Open(ctx, "missing/key")
		wantErr(t, name+": Open", err, blob.ErrNotFound)
		_, err = st.OpenRange(ctx, "missing/key", 0, 10)
		wantErr(t, name+": OpenRange", err, blob.ErrNotFound)
		_, err = st.Stat(ctx, "missing/key")
		wantErr(t, name+": Stat", err, blob.ErrNotFound)
		wantErr(t, name+": Delete", st.Delete(ctx, "missing/key"), blob.ErrNotFound)
		_, err = st.PresignGet(ctx, "missing/key", time.Minute)
		wantErr(t, name+": PresignGet", err, blob.ErrNotFound)
		mustPut(t, st, "gone", []byte("x"), blob.PutOptions{})
		if err := st.Delete(ctx, "gone"); err != nil {
			t.Fatalf("%s: Delete: %v", name, err)
		}
		wantErr(t, name+": second Delete", st.Delete(ctx, "gone"), blob.ErrNotFound)
		_, _, err = st.Open(ctx, "gone")
		wantErr(t, name+": Open after Delete", err, blob.ErrNotFound)
	}
}

// failingReader yields n bytes, then calls fail and returns its error.
type failingReader struct {
	src  io.Reader
	n    int64
	fail func() error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, r.fail()
	}
	p = p[:min(int64(len(p)), r.n)]
	n, err := r.src.Read(p)
	r.n -= int64(n)
	return n, err
}

func (s *suite) testFailedUpload(t *testing.T) {
	f := s.newFixture(t)
	errBroken := errors.New("broken source")
	for name, st := range stores(f) {
		for _, n := range []int64{100, 2*s.opts.PartSize + 100} {
			ctx, cancel := context.WithCancel(ctxT(t))
			cancelling := &failingReader{src: newGenerator(1 << 40), n: n, fail: func() error {
				cancel()
				time.Sleep(10 * time.Millisecond)
				return nil // keeps producing nothing: only the context stops it
			}}
			key := keyf("cancel/%s/%d", name, n)
			_, err := st.Put(ctx, key, cancelling, blob.PutOptions{})
			wantErr(t, name+": Put with cancelled context", err, context.Canceled)
			broken := &failingReader{src: newGenerator(1 << 40), n: n, fail: func() error { return errBroken }}
			_, err = st.Put(ctxT(t), key+"-broken", broken, blob.PutOptions{})
			wantErr(t, name+": Put from broken reader", err, errBroken)
			for _, k := range []string{key, key + "-broken"} {
				_, err = st.Stat(ctxT(t), k)
				wantErr(t, name+": Stat after failed Put", err, blob.ErrNotFound)
			}
			if list, err := st.List(ctxT(t), "cancel/"); err != nil || len(list) != 0 {
				t.Errorf("%s: List after failed Puts = %v, %v; want empty", name, list, err)
			}
		}
	}
	if f.CheckClean != nil {
		f.CheckClean(t)
	}
}
