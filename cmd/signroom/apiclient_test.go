package main

import (
	"testing"

	"github.com/signroom/signroom/internal/apitest"
)

// organizer creates an organizer account with the CLI and logs in through the API.
func organizer(t *testing.T, base, dataDir string) *apitest.Client {
	t.Helper()
	code, _, errs := runCmd(t, dataDir, "a long enough password\n", "user", "add", "--role", "organizer", "--password-stdin", "organizer")
	if code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	return apitest.Login(t, base, "organizer", "a long enough password")
}
