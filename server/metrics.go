package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// handleMetrics serves the Prometheus metrics on the public listener only to a caller with
// Config.MetricsToken as its bearer token; without a configured token the route is not found
// (the operator's --debug-addr listener serves them).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsToken == "" {
		s.fail(w, r, &apiError{Status: http.StatusNotFound, Code: "not_found",
			Message: "metrics are served on the operator's listener (--debug-addr), or here with SIGNROOM_METRICS_TOKEN"})
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.MetricsToken)) != 1 {
		s.fail(w, r, unauthorized("the metrics token is missing or wrong"))
		return
	}
	promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}
