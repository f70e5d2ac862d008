package e2e

import (
	"net/http"
	"testing"

	"github.com/signroom/signroom/internal/apitest"
)

// setUpCeremony creates, fills, schedules and starts the demo MOU (sequential signing)
// through the API.
func setUpCeremony(t *testing.T, c *apitest.Client) *apitest.MOU {
	t.Helper()
	m := apitest.SetUpMOU(t, c, "sequential")
	c.Post("/api/agreements/"+m.ID+"/start", nil, http.StatusOK, nil)
	return m
}
