package tsa

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// Relay starts a loopback HTTP server that answers RFC 3161 queries by forwarding each to
// the TSAs in order (the first granted response wins; 502 when none) and returns its URL.
// Call stop when done; it also stops when ctx ends.
func (c *Client) Relay(ctx context.Context) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("time-stamp relay: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	srv := &http.Server{Handler: c.relayHandler(ctx), ReadHeaderTimeout: 5 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns when the server closes
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	stop = func() {
		cancel()
		<-done
	}
	return "http://" + ln.Addr().String() + "/", stop, nil
}

func (c *Client) relayHandler(ctx context.Context) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad time-stamp query", http.StatusBadRequest)
			return
		}
		resp, err := c.forward(ctx, query)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	})
}

// forward sends query to each TSA in order and returns the first granted response.
func (c *Client) forward(ctx context.Context, query []byte) ([]byte, error) {
	var errs []error
	for _, u := range c.urls {
		resp, err := c.post(ctx, u, query)
		if err == nil {
			_, err = timestamp.ParseResponse(resp)
		}
		if err == nil {
			return resp, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", u, err))
	}
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}
