package e2e

import (
	"os"
	"path/filepath"
	"strings"
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
	return startServiceWith(t, nil, "--public-ip", "127.0.0.1")
}

// startServiceWith runs `signroom serve` with further environment and flags (a later --addr
// replaces 127.0.0.1:0).
func startServiceWith(t *testing.T, env []string, args ...string) *service {
	t.Helper()
	p := apitest.Start(t, append([]string{"SIGNROOM_LOG_LEVEL=info"}, env...), args...)
	t.Cleanup(func() {
		if dir := os.Getenv("SIGNROOM_E2E_LOGS"); dir != "" {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".log"), []byte(p.Logs.String()), 0o644)
		}
	})
	return &service{Process: p, base: p.Base}
}

// failOnWarnings makes t fail, when it ends, on every WARN line of the server's log that is
// not on the list of actionable warnings: an operator reading the log of a whole ceremony
// sees only warnings they can act on.
func (s *service) failOnWarnings(t *testing.T) {
	t.Cleanup(func() {
		for _, line := range strings.Split(s.Logs.String(), "\n") {
			if strings.Contains(line, "level=WARN") && !actionableWarning(line) {
				t.Errorf("server warning not on the list of actionable warnings (README, \"Logs\"): %s", line)
			}
		}
	})
}

// actionableWarnings are the WARN messages an operator can act on that a browser test may
// cause; README's "Logs" section lists them. Any other warning in a test fails it.
var actionableWarnings = []string{
	"data directory was open to other users", // the tests' temporary directories are 0755
}

func actionableWarning(line string) bool {
	for _, w := range actionableWarnings {
		if strings.Contains(line, `msg="`+w) {
			return true
		}
	}
	return false
}

// organizer creates the organizer account with the CLI and logs in through the API.
func (s *service) organizer(t *testing.T, user, password string) *apitest.Client {
	t.Helper()
	return s.Organizer(t, user, password)
}
