package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/signroom/signroom/auth"
	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// TestWebSocketRefusesUnissuedInvitation is issue 8 item 11 against the real service: an
// invitation token signed with the service's own key, for a real participant of a live
// ceremony, but whose jti the store never issued, is refused by the join API and by the
// ceremony WebSocket alike; the issued invitation of the same participant is admitted.
func TestWebSocketRefusesUnissuedInvitation(t *testing.T) {
	m, base := startMain(t)
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	forged, _, err := m.Issuer.IssueJoin(auth.JoinClaims{Participant: mou.Kim, Agreement: mou.ID, Role: "signatory",
		Grants: auth.Grants{Publish: true, Subscribe: true, Sign: true}}, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	(&apitest.Client{T: t, Base: base, Token: forged}).Do("GET", "/api/join", nil, "", http.StatusUnauthorized, nil)

	rtc, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rtc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if c, err := client.Dial(ctx, wsURL(base, mou.ID), forged, client.Options{API: rtc.API}); err == nil {
		c.Close()
		t.Fatalf("the ceremony WebSocket admitted an invitation the store never issued")
	}
	c, err := client.Dial(ctx, wsURL(base, mou.ID), mou.Tokens[mou.Kim], client.Options{API: rtc.API})
	if err != nil {
		t.Fatalf("the issued invitation was refused: %v", err)
	}
	c.Close()
}
