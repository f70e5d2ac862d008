package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// member is one participant's Go client in a ceremony test.
type member struct {
	c       *client.Client
	src     *client.Source
	mu      sync.Mutex
	packets map[string]int // by remote stream id
}

func (p *member) onTrack(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
		p.mu.Lock()
		p.packets[t.StreamID()]++
		p.mu.Unlock()
	}
}

func (p *member) count(stream string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.packets[stream]
}

func wsURL(base, agreementID string) string {
	return "ws" + strings.TrimPrefix(base, "http") + "/api/agreements/" + agreementID + "/ceremony/ws"
}

func joinCeremony(ctx context.Context, t *testing.T, api *rtcapi.API, base, agreementID, token string) (*member, error) {
	p := &member{packets: map[string]int{}}
	opts := client.Options{API: api.API, OnTrack: p.onTrack, EventBuffer: 1024, OnPublisherRTCP: func(_ string, pkts []rtcp.Packet) {
		for _, x := range pkts {
			if _, ok := x.(*rtcp.PictureLossIndication); ok && p.src != nil {
				p.src.RequestKeyframe()
			}
		}
	}}
	c, err := client.Dial(ctx, wsURL(base, agreementID), token, opts)
	if err != nil {
		return nil, err
	}
	p.c = c
	t.Cleanup(func() { c.Close() })
	return p, nil
}

// loopbackClients is a Pion API for test clients on loopback, closed when the test ends.
func loopbackClients(t *testing.T) *rtcapi.API {
	t.Helper()
	rtc, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rtc.Close() })
	return rtc
}

func (p *member) publish(ctx context.Context, t *testing.T, stream string) {
	t.Helper()
	src, err := client.NewSource(stream)
	if err != nil {
		t.Fatal(err)
	}
	p.src = src
	if _, err := p.c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		t.Fatalf("publish %s: %v", stream, err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go src.Run(rctx, client.MediaConfig{VideoBitrate: 200_000, FPS: 15})
}

// TestCeremonyThroughTheRealService drives the wired service: invitations issued by the API
// admit their holders to the live room only once the ceremony has started, media flows
// between venues, and revoking an invitation through the API disconnects its holder.
func TestCeremonyThroughTheRealService(t *testing.T) {
	m, base := startMain(t)
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if _, err := joinCeremony(ctx, t, api, base, mou.ID, mou.Tokens[mou.Kim]); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("join before start = %v, want refused", err)
	}
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	if _, err := joinCeremony(ctx, t, api, base, mou.ID, org.Token); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("join with a staff token = %v, want refused", err)
	}
	if _, err := joinCeremony(ctx, t, api, base, "other-agreement", mou.Tokens[mou.Kim]); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("join another agreement's room = %v, want refused", err)
	}

	kim, err := joinCeremony(ctx, t, api, base, mou.ID, mou.Tokens[mou.Kim])
	if err != nil {
		t.Fatalf("kim joins: %v", err)
	}
	wang, err := joinCeremony(ctx, t, api, base, mou.ID, mou.Tokens[mou.Wang])
	if err != nil {
		t.Fatalf("wang joins: %v", err)
	}
	if !m.Hub.Connected(mou.ID, mou.Kim) || m.Hub.Connected(mou.ID, mou.Host) {
		t.Fatalf("Connected: kim %v host %v, want true false", m.Hub.Connected(mou.ID, mou.Kim), m.Hub.Connected(mou.ID, mou.Host))
	}
	kim.publish(ctx, t, "kim")
	wang.publish(ctx, t, "wang")
	// The SFU names each forwarded stream after its publisher's participant id.
	waitFor(t, 20*time.Second, "media both ways", func() bool { return kim.count(mou.Wang) > 50 && wang.count(mou.Kim) > 50 })

	org.Post("/api/agreements/"+mou.ID+"/invitations/"+mou.Wang+"/revoke", nil, http.StatusOK, nil)
	select {
	case <-wang.c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("revoked invitation still connected after 10s")
	}
	if _, err := joinCeremony(ctx, t, api, base, mou.ID, mou.Tokens[mou.Wang]); !errors.Is(err, client.ErrRefused) {
		t.Fatalf("rejoin with a revoked invitation = %v, want refused", err)
	}
}

// waitBye returns the reason of the bye the server sends the client.
func waitBye(t *testing.T, c *client.Client, d time.Duration) string {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m := <-c.Events():
			if m.Type == protocol.TypeBye {
				return m.Reason
			}
		case <-timeout:
			t.Fatalf("no bye within %v", d)
			return ""
		}
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
