package server

import (
	"context"
	"net/http"
	"time"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// handleReady probes every dependency and names the ones that are down.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	out := readiness{Status: "ready", Checks: map[string]string{}}
	status := http.StatusOK
	for _, c := range s.cfg.Checks {
		if err := c.Checker.Ping(ctx); err != nil {
			s.log.Warn("readiness check failed", "check", c.Name, "err", err)
			out.Checks[c.Name] = "down: " + err.Error()
			out.Status = "not ready"
			status = http.StatusServiceUnavailable
			continue
		}
		out.Checks[c.Name] = "ok"
	}
	writeJSON(w, status, out)
}
