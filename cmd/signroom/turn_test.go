package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
	"github.com/signroom/signroom/turnserver"
)

// TestCeremonyThroughEmbeddedTURN runs the wired service with --turn-addr: each participant's
// welcome carries its own short-lived credentials for the embedded server, and relay-only
// participants (as behind a network that lets nothing else through) exchange media through it.
func TestCeremonyThroughEmbeddedTURN(t *testing.T) {
	m, base := startMain(t, "--turn-addr", "127.0.0.1:0", "--turn-host", "127.0.0.1")
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true,
		NetworkTypes: []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	join := func(pid string) *member {
		t.Helper()
		p := &member{packets: map[string]int{}}
		c, err := client.Dial(ctx, wsURL(base, mou.ID), mou.Tokens[pid], client.Options{API: api.API, OnTrack: p.onTrack, RelayOnly: true})
		if err != nil {
			t.Fatalf("%s joins: %v", pid, err)
		}
		p.c = c
		t.Cleanup(func() { c.Close() })
		ws := c.Welcome().ICEServers
		if len(ws) != 1 || len(ws[0].URLs) != 2 || !strings.HasPrefix(ws[0].URLs[0], "turn:127.0.0.1:") {
			t.Fatalf("%s's welcome ICE servers %+v, want the embedded TURN's UDP and TCP URLs", pid, ws)
		}
		got, err := turnserver.ParseUsername(ws[0].Username, time.Now())
		if err != nil || got != pid {
			t.Fatalf("%s's TURN username %q: participant %q, %v", pid, ws[0].Username, got, err)
		}
		if _, err := turnserver.ParseUsername(ws[0].Username, time.Now().Add(12*time.Hour+time.Minute)); err == nil {
			t.Errorf("%s's TURN credentials outlive --turn-credential-ttl", pid)
		}
		return p
	}
	kim, wang := join(mou.Kim), join(mou.Wang)
	kim.publish(ctx, t, "kim")
	wang.publish(ctx, t, "wang")
	waitFor(t, 30*time.Second, "media both ways through TURN", func() bool { return kim.count(mou.Wang) > 50 && wang.count(mou.Kim) > 50 })
	if got := relayedBytes(t, m); got < 20_000 {
		t.Errorf("signroom_turn_relayed_bytes_total = %v, want the media's", got)
	}
}

func TestTURNConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // error text; "" for none
	}{
		{"off by default", nil, nil, ""},
		{"udp and tcp", []string{"--turn-addr", ":3478"}, nil, ""},
		{"bad address", []string{"--turn-addr", "3478"}, nil, "--turn-addr"},
		{"tls without certificate", []string{"--turn-tls-addr", ":5349"}, nil, "--turn-tls-cert"},
		{"tls without key", []string{"--turn-tls-addr", ":5349", "--turn-tls-cert", "c.pem"}, nil, "--turn-tls-cert"},
		{"tls", []string{"--turn-tls-addr", ":5349", "--turn-tls-cert", "c.pem"}, map[string]string{"SIGNROOM_TURN_TLS_KEY": "k"}, ""},
		{"certificate without tls address", []string{"--turn-tls-cert", "c.pem"}, nil, "--turn-tls-cert"},
		{"short ttl", []string{"--turn-addr", ":3478", "--turn-credential-ttl", "10s"}, nil, "--turn-credential-ttl"},
		{"no allocations", []string{"--turn-addr", ":3478", "--turn-max-allocations", "0"}, nil, "--turn-max-allocations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseServeConfig(append([]string{"--public-url", "https://sign.example.org"}, tc.args...), envMap(tc.env), &strings.Builder{})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err %v, want one naming %s", err, tc.want)
			case tc.want == "" && cfg.TURN.Host != "sign.example.org":
				t.Errorf("turn host %q, want the public URL's", cfg.TURN.Host)
			}
		})
	}
}

// relayedBytes sums signroom_turn_relayed_bytes_total in the service's registry.
func relayedBytes(t *testing.T, m *Main) float64 {
	t.Helper()
	mfs, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "signroom_turn_relayed_bytes_total" {
			for _, x := range mf.GetMetric() {
				sum += x.GetCounter().GetValue()
			}
		}
	}
	return sum
}
