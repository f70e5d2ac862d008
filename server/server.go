// Package server is Signroom's HTTP API: routes on a standard http.ServeMux, middleware for
// request logs, panics, metrics and security headers, request validation at the edge, one
// mapping from domain errors to status codes and JSON bodies, and the embedded frontend.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Checker is a dependency whose health /readyz reports, such as the database or a blob store.
type Checker interface {
	Ping(ctx context.Context) error
}

// Config is what the server needs from the outside world.
type Config struct {
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics registry served at /metrics; never the global default
	// Checks are named dependencies probed by /readyz, in order.
	Checks []NamedCheck
	// Mounts are extra handlers (blob download URLs, the ceremony WebSocket) keyed by a
	// ServeMux pattern.
	Mounts map[string]http.Handler
}

// NamedCheck names a Checker for /readyz.
type NamedCheck struct {
	Name    string
	Checker Checker
}

// Server holds the routes and their dependencies.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	metrics *httpMetrics
}

// New builds a Server and registers its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), metrics: newHTTPMetrics(cfg.Registry)}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handleHealth)
	s.mux.HandleFunc("GET /readyz", s.handleReady)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	for pattern, h := range s.cfg.Mounts {
		s.mux.Handle(pattern, h)
	}
}

// Handler returns the server's root handler with its middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverPanics(s.logRequests(securityHeaders(s.mux)))
}

// HTTPServer wraps h in an http.Server with timeouts suited to an API that also streams uploads.
func HTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
