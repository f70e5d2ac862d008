package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// unreachablePeer joins the ceremony as participant pid with a Pion client that publishes
// audio and video, so the browsers show its tile; closing its peer connections (socket kept)
// makes it unreachable for "media". cut closes the peer connections; end closes the client.
func unreachablePeer(t *testing.T, base, agreement, token string) (cut, end func()) {
	t.Helper()
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/agreements/" + agreement + "/ceremony/ws"
	c, err := client.Dial(ctx, url, token, client.Options{API: api.API})
	if err != nil {
		t.Fatalf("pion client join: %v", err)
	}
	src, err := client.NewSource("pion")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		t.Fatalf("pion client publish: %v", err)
	}
	rctx, stop := context.WithCancel(context.Background())
	go src.Run(rctx, client.MediaConfig{VideoBitrate: 200_000, FPS: 15})
	deadline := time.Now().Add(20 * time.Second)
	for c.PublisherPC().ConnectionState() != webrtc.PeerConnectionStateConnected ||
		c.SubscriberPC().ConnectionState() != webrtc.PeerConnectionStateConnected {
		if time.Now().After(deadline) {
			t.Fatalf("pion client not connected: publisher %s, subscriber %s",
				c.PublisherPC().ConnectionState(), c.SubscriberPC().ConnectionState())
		}
		time.Sleep(100 * time.Millisecond)
	}
	cut = func() {
		_ = c.PublisherPC().Close()
		_ = c.SubscriberPC().Close()
	}
	end = func() { stop(); _ = c.Close(); _ = api.Close() }
	return cut, end
}
