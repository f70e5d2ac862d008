package server

import (
	"io"
	"net/http"
	"time"
)

// Request body pacing: a body must arrive at MinBodyRate on average after a grace period,
// so a client trickling bytes (a byte every few seconds) cannot hold a connection and a
// handler for ever, while a large upload on a slow link is never cut by a total cap.
const (
	MinBodyRate = 8 << 10          // bytes per second, averaged from the start of the body
	bodyGrace   = 10 * time.Second // allowed before the rate counts
)

// paceBodies sets a read deadline on every request body that moves forward only as fast as
// the body arrives at MinBodyRate. Past it, the body's Read fails and the handler answers
// with its usual error for an unreadable body; the connection is closed.
func paceBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			pb := &pacedBody{rc: r.Body, ctl: http.NewResponseController(w), start: time.Now()}
			pb.extend()
			r.Body = pb
		}
		next.ServeHTTP(w, r)
	})
}

type pacedBody struct {
	rc    io.ReadCloser
	ctl   *http.ResponseController
	start time.Time
	n     int64
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	switch {
	case err == io.EOF:
		_ = b.ctl.SetReadDeadline(time.Time{}) // the body is in: the handler's work is not paced
	case n > 0:
		b.extend()
	}
	return n, err
}

// extend moves the read deadline to when the bytes read so far would be due at MinBodyRate.
func (b *pacedBody) extend() {
	due := b.start.Add(bodyGrace + time.Duration(b.n*int64(time.Second)/MinBodyRate))
	_ = b.ctl.SetReadDeadline(due) // not every writer supports deadlines (tests with recorders)
}

func (b *pacedBody) Close() error { return b.rc.Close() }
