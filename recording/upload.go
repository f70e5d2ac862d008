package recording

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/storage/blob"
)

// ErrMismatch is returned when the stored object's size or SHA-256 differs from the spool
// file's; the spool file is kept.
var ErrMismatch = errors.New("stored recording does not match the spool file")

// ObjectKey is the working-store (and archive) key of a segment.
func ObjectKey(agreementID, segmentID string) string {
	return "agreements/" + agreementID + "/recordings/" + segmentID + ".webm"
}

// uploader sends finalized segments to the working store one at a time (the store streams
// with a fixed part size, so memory stays bounded), checks what was stored, and only then
// removes the spool files. A failure moves the segment to the back of the queue and waits,
// doubling the wait up to MaxBackoff while failures continue.
type uploader struct {
	rec  *Recorder
	wake chan struct{}

	mu       sync.Mutex
	queue    []agreement.Recording
	current  string // agreement of the upload in flight
	failures int
	lastErr  error
}

func newUploader(r *Recorder) *uploader {
	return &uploader{rec: r, wake: make(chan struct{}, 1)}
}

func (u *uploader) add(m agreement.Recording) {
	u.mu.Lock()
	u.queue = append(u.queue, m)
	u.setBacklogLocked()
	u.mu.Unlock()
	select {
	case u.wake <- struct{}{}:
	default:
	}
}

func (u *uploader) setBacklogLocked() {
	var size int64
	for _, m := range u.queue {
		size += m.Size
	}
	u.rec.metrics.backlog.Set(float64(len(u.queue)))
	u.rec.metrics.backlogBytes.Set(float64(size))
}

func (u *uploader) pending(agreementID string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, m := range u.queue {
		if m.AgreementID == agreementID {
			n++
		}
	}
	return n
}

func (u *uploader) health() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failures == 0 || len(u.queue) == 0 {
		return nil
	}
	return fmt.Errorf("%d recording segments wait in the spool for upload (%d failed attempts): %w",
		len(u.queue), u.failures, u.lastErr)
}

func (u *uploader) run(ctx context.Context) {
	for {
		u.mu.Lock()
		var next agreement.Recording
		have := len(u.queue) > 0
		if have {
			next = u.queue[0]
			u.current = next.AgreementID
		}
		u.mu.Unlock()
		wait := time.Duration(-1)
		if have {
			wait = u.attempt(ctx, next)
		}
		if !u.sleep(ctx, wait) {
			return
		}
	}
}

// sleep waits d (forever when negative, until woken) and reports whether to go on.
func (u *uploader) sleep(ctx context.Context, d time.Duration) bool {
	if d == 0 {
		return ctx.Err() == nil
	}
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-timer:
	case <-u.wake:
		if d > 0 { // new work does not cut a backoff short
			select {
			case <-ctx.Done():
				return false
			case <-timer:
			}
		}
	}
	return true
}

// attempt uploads one segment and returns how long to wait before the next attempt.
func (u *uploader) attempt(ctx context.Context, m agreement.Recording) time.Duration {
	r := u.rec
	up, err := u.upload(ctx, m)
	u.mu.Lock()
	defer u.mu.Unlock()
	u.current = ""
	if len(u.queue) > 0 && u.queue[0].ID == m.ID {
		u.queue = u.queue[1:]
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		u.queue = append(u.queue, m) // to the back: one bad segment does not block the rest
		u.failures++
		u.lastErr = err
		r.metrics.failures.WithLabelValues("upload").Inc()
		wait := min(r.cfg.MaxBackoff, r.cfg.MinBackoff<<min(u.failures-1, 20))
		r.log.Warn("recording upload failed; keeping the spool file", "segment", m.ID, "retry_in", wait, "err", err)
		return wait
	}
	u.failures, u.lastErr = 0, nil
	u.setBacklogLocked()
	r.metrics.uploaded.Inc()
	r.metrics.uploadedBytes.Add(float64(up.Size))
	r.log.Info("recording segment uploaded", "segment", m.ID, "key", up.ObjectKey, "bytes", up.Size, "sha256", up.SHA256)
	return 0
}

// upload streams the spool file to the store while hashing it, checks the stored size and
// SHA-256 by reading the object back, records the segment as uploaded and removes the
// spool files.
func (u *uploader) upload(ctx context.Context, m agreement.Recording) (agreement.Recording, error) {
	r := u.rec
	key := ObjectKey(m.AgreementID, m.ID)
	if err := blob.ValidateKey(key); err != nil {
		return m, err
	}
	sum, size, err := u.put(ctx, key, r.spool.mediaPath(m.ID))
	if err != nil {
		return m, err
	}
	if err := verifyStored(ctx, r.cfg.Store, key, sum, size); err != nil {
		return m, err
	}
	m.SHA256, m.Size, m.ObjectKey, m.State = sum, size, key, agreement.RecordingUploaded
	m.UpdatedAt = r.now().UTC()
	if r.cfg.Catalog != nil {
		if err := r.cfg.Catalog.SaveRecording(ctx, m); err != nil {
			return m, fmt.Errorf("record upload of %s: %w", m.ID, err)
		}
	}
	if err := r.spool.remove(m.ID); err != nil {
		r.log.Error("remove uploaded recording from the spool", "segment", m.ID, "err", err)
	}
	return m, nil
}

// put uploads the file, hashing it on the way. An object already at key (an earlier
// attempt stored it but did not finish) is accepted here and checked by verifyStored.
func (u *uploader) put(ctx context.Context, key, path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := u.rec.cfg.Store.Put(ctx, key, io.TeeReader(f, h), blob.PutOptions{ContentType: "video/webm", MaxSize: st.Size()})
	if errors.Is(err, blob.ErrExists) {
		return hashFile(path)
	}
	if err != nil {
		return "", 0, err
	}
	if n.Size != st.Size() {
		return "", 0, fmt.Errorf("%w: stored %d bytes of %d", ErrMismatch, n.Size, st.Size())
	}
	return hex.EncodeToString(h.Sum(nil)), st.Size(), nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// verifyStored checks the object's recorded size and hash, then reads it back and hashes
// what the store returns.
func verifyStored(ctx context.Context, s blob.Store, key, sum string, size int64) error {
	info, err := s.Stat(ctx, key)
	if err != nil {
		return err
	}
	if info.Size != size || (info.SHA256 != "" && info.SHA256 != sum) {
		return fmt.Errorf("%w: %s holds %d bytes with sha256 %s, the spool file %d bytes with %s",
			ErrMismatch, key, info.Size, info.SHA256, size, sum)
	}
	rc, _, err := s.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return fmt.Errorf("read back %s: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != sum {
		return fmt.Errorf("%w: %s reads back as %d bytes with sha256 %s", ErrMismatch, key, n, got)
	}
	return nil
}
