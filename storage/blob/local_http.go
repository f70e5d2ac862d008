package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Presigned local URLs have the form
//
//	{baseURL}/blob/{bucket}/{escaped key}?exp={unix seconds}&sig={hex}
//
// where sig is HMAC-SHA256(secret, "GET\n{bucket}\n{key}\n{exp}") in
// lowercase hex. The Handler serves them.

// PresignGet implements Store.
func (s *localStore) PresignGet(ctx context.Context, key string, expiry time.Duration) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	if expiry < time.Second || expiry > maxPresignExpiry {
		return "", fmt.Errorf("presign %s/%s: expiry %s outside 1s..7d", s.name, key, expiry)
	}
	if _, err := s.Stat(ctx, key); err != nil {
		return "", fmt.Errorf("presign: %w", err)
	}
	exp := time.Now().Add(expiry).Unix()
	sig := s.owner.sign(s.name, key, exp)
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}, "sig": {hex.EncodeToString(sig)}}
	return s.owner.baseURL + "/blob/" + s.name + "/" + escapeKey(key) + "?" + q.Encode(), nil
}

func (l *Local) sign(bucket, key string, exp int64) []byte {
	m := hmac.New(sha256.New, l.secret)
	fmt.Fprintf(m, "GET\n%s\n%s\n%d", bucket, key, exp)
	return m.Sum(nil)
}

// Handler serves presigned URLs under /blob/: GET and HEAD with Range
// support. A bad or expired signature gets 403, a missing object 404.
func (l *Local) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /blob/{bucket}/{key...}", l.serveBlob)
	return mux
}

func (l *Local) serveBlob(w http.ResponseWriter, r *http.Request) {
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	s := l.store(bucket)
	if s == nil || !l.verify(bucket, key, r.URL.Query()) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	f, info, err := s.openFile(r.Context(), key)
	if err != nil {
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalidKey) {
			http.NotFound(w, r)
			return
		}
		l.logger.Error("serve blob", "bucket", bucket, "key", key, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", info.ContentType)
	w.Header().Set("ETag", `"`+info.SHA256+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", info.ModTime, f)
}

// verify checks the signature (constant time) and the expiry.
func (l *Local) verify(bucket, key string, q url.Values) bool {
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return false
	}
	sig, err := hex.DecodeString(q.Get("sig"))
	if err != nil {
		return false
	}
	if !hmac.Equal(sig, l.sign(bucket, key, exp)) {
		return false
	}
	return time.Now().Unix() <= exp
}

func (l *Local) store(bucket string) *localStore {
	switch bucket {
	case LocalWorking:
		return l.working
	case LocalArchive:
		return l.archive
	}
	return nil
}

func pathEscape(s string) string { return url.PathEscape(s) }
