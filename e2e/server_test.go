package e2e

import (
	"testing"

	"github.com/signroom/signroom/internal/apitest"
)

// service is a running signroom serve process; browsers open base.
type service struct {
	*apitest.Process
	base string
}

// startService runs `signroom serve` on 127.0.0.1:0 with a fresh data directory. Media ICE
// candidates are announced on 127.0.0.1 (--public-ip) so Chromium on this host reaches them.
func startService(t *testing.T) *service {
	t.Helper()
	p := apitest.Start(t, []string{"SIGNROOM_LOG_LEVEL=info"}, "--public-ip", "127.0.0.1")
	return &service{Process: p, base: p.Base}
}

// organizer creates the organizer account with the CLI and logs in through the API.
func (s *service) organizer(t *testing.T, user, password string) *apitest.Client {
	t.Helper()
	return s.Organizer(t, user, password)
}
