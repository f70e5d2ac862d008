package blobtest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/storage/blob"
)

func (s *suite) testRange(t *testing.T) {
	f := s.newFixture(t)
	data := payload(int(s.opts.PartSize)+1000, 7)
	size := int64(len(data))
	st := f.Buckets.Archive
	mustPut(t, st, "rec/video.webm", data, blob.PutOptions{ContentType: "video/webm"})
	tests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"head", 0, 10, data[:10]},
		{"middle", 5, 100, data[5:105]},
		{"across part", s.opts.PartSize - 3, 6, data[s.opts.PartSize-3 : s.opts.PartSize+3]},
		{"past end", size - 3, 10, data[size-3:]},
		{"to end", 10, -1, data[10:]},
		{"last byte", size - 1, 1, data[size-1:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := st.OpenRange(ctxT(t), "rec/video.webm", tt.offset, tt.length)
			if err != nil {
				t.Fatalf("OpenRange(%d, %d): %v", tt.offset, tt.length, err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("OpenRange(%d, %d) = %d bytes, %v; want %d bytes", tt.offset, tt.length, len(got), err, len(tt.want))
			}
		})
	}
	for _, bad := range [][2]int64{{-1, 5}, {size, 1}, {size + 10, 1}, {0, 0}} {
		_, err := st.OpenRange(ctxT(t), "rec/video.webm", bad[0], bad[1])
		wantErr(t, keyf("OpenRange(%d, %d)", bad[0], bad[1]), err, blob.ErrInvalidRange)
	}
}

func (s *suite) testList(t *testing.T) {
	f := s.newFixture(t)
	st := f.Buckets.Working
	keys := []string{"agreements/1/documents/a.pdf", "agreements/1/documents/b.pdf", "agreements/1/recordings/r.webm",
		"agreements/10/documents/c.pdf", "agreements/2/x", "other"}
	for i, k := range keys {
		mustPut(t, st, k, payload(10+i, byte(i)), blob.PutOptions{})
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", keys},
		{"agreements/1/", keys[:3]},
		{"agreements/1", keys[:4]},
		{"agreements/1/documents/", keys[:2]},
		{"agreements/1/documents/b", keys[1:2]},
		{"agreements/3/", nil},
		{"oth", keys[5:]},
	}
	for _, tt := range tests {
		list, err := st.List(ctxT(t), tt.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tt.prefix, err)
		}
		var got []string
		for _, o := range list {
			got = append(got, o.Key)
			i := slices.Index(keys, o.Key)
			if o.Size != int64(10+i) || (o.SHA256 != "" && o.SHA256 != sha(payload(10+i, byte(i)))) || o.ModTime.IsZero() {
				t.Errorf("List(%q): %+v has wrong size, hash or time", tt.prefix, o)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func httpGet(t *testing.T, u string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET presigned URL: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read presigned body: %v", err)
	}
	return resp.StatusCode, b
}

func (s *suite) testPresign(t *testing.T) {
	f := s.newFixture(t)
	for name, st := range stores(f) {
		key := "agreements/42/documents/계약서 v1 (final)?#%+.pdf"
		data := payload(5000, 9)
		mustPut(t, st, key, data, blob.PutOptions{ContentType: "application/pdf"})
		u, err := st.PresignGet(ctxT(t), key, time.Minute)
		if err != nil {
			t.Fatalf("%s: PresignGet: %v", name, err)
		}
		if code, body := httpGet(t, u, nil); code != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("%s: GET presigned = %d, %d bytes; want 200 and %d bytes", name, code, len(body), len(data))
		}
		code, body := httpGet(t, u, http.Header{"Range": {"bytes=100-199"}})
		if code != http.StatusPartialContent || !bytes.Equal(body, data[100:200]) {
			t.Errorf("%s: ranged GET presigned = %d, %d bytes; want 206 and 100 bytes", name, code, len(body))
		}
		for what, bad := range tamper(t, u) {
			// S3 answers a missing signature with 400; everything else with 403.
			if code, _ := httpGet(t, bad, nil); code != http.StatusForbidden && code != http.StatusBadRequest {
				t.Errorf("%s: GET with %s = %d, want 403 (or 400)", name, what, code)
			}
		}
	}
}

// tamper returns variants of a presigned URL that must be refused.
func tamper(t *testing.T, raw string) map[string]string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	q := u.Query()
	for _, name := range []string{"sig", "X-Amz-Signature"} {
		if v := q.Get(name); v != "" {
			flipped := []byte(v)
			flipped[len(flipped)-1] ^= 1
			q2 := u.Query()
			q2.Set(name, string(flipped))
			out["flipped signature"] = withQuery(u, q2)
			q2.Del(name)
			out["no signature"] = withQuery(u, q2)
		}
	}
	for _, name := range []string{"exp", "X-Amz-Expires"} {
		if v := q.Get(name); v != "" {
			q2 := u.Query()
			q2.Set(name, v+"0")
			out["extended expiry"] = withQuery(u, q2)
		}
	}
	other := *u
	other.Path = strings.Replace(u.Path, "documents", "evidence", 1)
	other.RawPath = ""
	out["other key"] = other.String()
	if len(out) < 4 {
		t.Fatalf("presigned URL %s has no recognised signature or expiry parameter", raw)
	}
	return out
}

func withQuery(u *url.URL, q url.Values) string {
	c := *u
	c.RawQuery = q.Encode()
	return c.String()
}

func (s *suite) testPresignExpired(t *testing.T) {
	f := s.newFixture(t)
	st := f.Buckets.Working
	mustPut(t, st, "short/lived", []byte("secret"), blob.PutOptions{})
	u, err := st.PresignGet(ctxT(t), "short/lived", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if code, _ := httpGet(t, u, nil); code != http.StatusForbidden {
		t.Errorf("GET expired URL = %d, want 403", code)
	}
	for _, bad := range []time.Duration{0, -time.Second, 8 * 24 * time.Hour} {
		if _, err := st.PresignGet(ctxT(t), "short/lived", bad); err == nil {
			t.Errorf("PresignGet(expiry %s) succeeded, want error", bad)
		}
	}
}

func (s *suite) testMaxSize(t *testing.T) {
	f := s.newFixture(t)
	for name, st := range stores(f) {
		for _, limit := range []int64{1000, s.opts.PartSize + 1000} {
			ok := payload(int(limit), 1)
			mustPut(t, st, keyf("max/%d/ok", limit), ok, blob.PutOptions{MaxSize: limit})
			for _, over := range []int64{limit + 1, 2*s.opts.PartSize + 5} {
				key := keyf("max/%d/over-%d", limit, over)
				_, err := st.Put(ctxT(t), key, bytes.NewReader(payload(int(over), 2)), blob.PutOptions{MaxSize: limit})
				wantErr(t, keyf("%s: Put %d bytes with MaxSize %d", name, over, limit), err, blob.ErrTooLarge)
				_, err = st.Stat(ctxT(t), key)
				wantErr(t, name+": Stat of refused object", err, blob.ErrNotFound)
			}
		}
	}
	if f.CheckClean != nil {
		f.CheckClean(t)
	}
}

func (s *suite) testInvalidKeys(t *testing.T) {
	f := s.newFixture(t)
	st := f.Buckets.Working
	bad := []string{"", "/abs", "trail/", "a//b", "..", "../x", "a/../b", "a/./b", "a\x00b", "a\nb", `a\b`,
		strings.Repeat("k", blob.MaxKeyLen+1), strings.Repeat("s", 256) + "/x", ".signroom-staging/x", "bad\xffutf8"}
	for _, key := range bad {
		ctx := ctxT(t)
		_, err := st.Put(ctx, key, strings.NewReader("x"), blob.PutOptions{})
		wantErr(t, keyf("Put(%q)", key), err, blob.ErrInvalidKey)
		_, _, err = st.Open(ctx, key)
		wantErr(t, keyf("Open(%q)", key), err, blob.ErrInvalidKey)
		_, err = st.Stat(ctx, key)
		wantErr(t, keyf("Stat(%q)", key), err, blob.ErrInvalidKey)
		wantErr(t, keyf("Delete(%q)", key), st.Delete(ctx, key), blob.ErrInvalidKey)
		_, err = st.PresignGet(ctx, key, time.Minute)
		wantErr(t, keyf("PresignGet(%q)", key), err, blob.ErrInvalidKey)
	}
	for _, key := range []string{"a", "a.b/c-d_e", "한글/中文/file name.pdf", strings.Repeat("k", 200) + "/" + strings.Repeat("v", 255)} {
		mustPut(t, st, key, []byte(key), blob.PutOptions{})
		wantBytes(t, st, key, []byte(key))
	}
	if list, err := st.List(ctxT(t), ""); err != nil || len(list) != 4 {
		t.Errorf("List after invalid Puts = %d objects, %v; want 4", len(list), err)
	}
}

func (s *suite) testPing(t *testing.T) {
	f := s.newFixture(t)
	for name, st := range stores(f) {
		if err := st.Ping(ctxT(t)); err != nil {
			t.Errorf("%s: Ping: %v", name, err)
		}
	}
}
