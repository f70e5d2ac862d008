package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startDebug serves Go's pprof profiles and the Prometheus metrics on their own listener (the
// operator's; never the public one) until ctx ends. It returns at once; the server stops
// with ctx.
func (m *Main) startDebug(ctx context.Context) error {
	if m.Config.DebugAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", m.Config.DebugAddr)
	if err != nil {
		return fmt.Errorf("listen on --debug-addr %s: %w", m.Config.DebugAddr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Logger.Warn("debug listener", "err", err)
		}
	}()
	m.debugMu.Lock()
	m.debugAddr = ln.Addr().String()
	m.debugMu.Unlock()
	m.Logger.Warn("pprof profiles served", "addr", ln.Addr().String())
	return nil
}

// debugAddrNow is the pprof listener's address, or "" before it started.
func (m *Main) debugAddrNow() string {
	m.debugMu.Lock()
	defer m.debugMu.Unlock()
	return m.debugAddr
}
