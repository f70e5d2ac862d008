package signaling_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// fakeAdmitter admits the tokens it was given.
type fakeAdmitter struct {
	mu     sync.Mutex
	tokens map[string]signaling.Admission
}

func (f *fakeAdmitter) Admit(_ context.Context, agreementID, token string) (signaling.Admission, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.tokens[token]
	if !ok || a.AgreementID != agreementID {
		return signaling.Admission{}, signaling.ErrNotAdmitted
	}
	return a, nil
}

type harness struct {
	t    *testing.T
	hub  *signaling.Hub
	srv  *httptest.Server
	adm  *fakeAdmitter
	api  *rtcapi.API
	reg  *prometheus.Registry
	next atomic.Int64
}

func newHarness(t *testing.T, cfg signaling.Config) *harness {
	t.Helper()
	cfg.LoopbackOnly = true
	return newBoundHarness(t, cfg)
}

// newBoundHarness keeps the configuration's own ICE binding (LoopbackOnly as given) and
// its logger, if set.
func newBoundHarness(t *testing.T, cfg signaling.Config) *harness {
	t.Helper()
	h := &harness{t: t, adm: &fakeAdmitter{tokens: map[string]signaling.Admission{}},
		reg: prometheus.NewRegistry()}
	cfg.Registerer = h.reg
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg.PLIInterval = 300 * time.Millisecond
	hub, err := signaling.NewHub(cfg, h.adm)
	if err != nil {
		t.Fatalf("NewHub: %v", err)
	}
	h.hub = hub
	mux := http.NewServeMux()
	mux.Handle("GET /api/agreements/{id}/ceremony/ws", hub.Handler())
	h.srv = httptest.NewServer(mux)
	h.api, err = rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true})
	if err != nil {
		t.Fatalf("client api: %v", err)
	}
	t.Cleanup(func() {
		if err := hub.Close(); err != nil {
			t.Errorf("hub.Close: %v", err)
		}
		h.srv.Close()
		_ = h.api.Close()
	})
	return h
}

// testWriter logs to the test until it ends; Pion goroutines may still log
// while they wind down, and t.Log after the end panics.
type testWriter struct {
	t    *testing.T
	mu   *sync.Mutex
	done *bool
}

func newTestWriter(t *testing.T) testWriter {
	w := testWriter{t: t, mu: &sync.Mutex{}, done: new(bool)}
	t.Cleanup(func() { w.mu.Lock(); *w.done = true; w.mu.Unlock() })
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (h *harness) url(agreement string) string {
	return "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/api/agreements/" + agreement + "/ceremony/ws"
}

// invite registers an invitation and returns its token.
func (h *harness) invite(agreement, pid, role string) (string, signaling.Admission) {
	n := h.next.Add(1)
	a := signaling.Admission{AgreementID: agreement, ParticipantID: pid, TokenID: pid + "-tok",
		Name: pid, Role: role, Subscribe: role != "venue-publish-only", Publish: role != "observer", Host: role == "host",
		Sign: role == "signatory", ExpiresAt: time.Now().Add(time.Hour)}
	tok := "token-" + pid + "-" + string(rune('a'+n%26))
	h.adm.mu.Lock()
	h.adm.tokens[tok] = a
	h.adm.mu.Unlock()
	return tok, a
}

// peer is a test participant that counts what it receives.
type peer struct {
	c        *client.Client
	src      *client.Source
	mu       sync.Mutex
	packets  map[string]int // by stream id + kind
	firstKey map[string]bool
	cancel   context.CancelFunc
}

func (h *harness) join(ctx context.Context, agreement, token string) (*peer, error) {
	return h.joinURL(ctx, h.url(agreement), token)
}

// joinURL joins at a given endpoint URL (a proxy in front of the server).
func (h *harness) joinURL(ctx context.Context, url, token string) (*peer, error) {
	return h.joinAPI(ctx, url, token, h.api.API)
}

// joinAPI joins with peer connections built by the given API.
func (h *harness) joinAPI(ctx context.Context, url, token string, api *webrtc.API) (*peer, error) {
	p := &peer{packets: map[string]int{}, firstKey: map[string]bool{}}
	opts := client.Options{API: api, OnTrack: p.onTrack,
		OnPublisherRTCP: func(_ string, pkts []rtcp.Packet) {
			for _, x := range pkts {
				if _, ok := x.(*rtcp.PictureLossIndication); ok && p.src != nil {
					p.src.RequestKeyframe()
				}
			}
		}}
	c, err := client.Dial(ctx, url, token, opts)
	if err != nil {
		return nil, err
	}
	p.c = c
	h.t.Cleanup(p.close)
	return p, nil
}

func (h *harness) mustJoin(ctx context.Context, agreement, pid, role string) *peer {
	h.t.Helper()
	tok, _ := h.invite(agreement, pid, role)
	p, err := h.join(ctx, agreement, tok)
	if err != nil {
		h.t.Fatalf("join %s: %v", pid, err)
	}
	return p
}

// publish sends synthetic audio and video; key frames only at start and on PLI.
func (p *peer) publish(ctx context.Context, streamID string, cfg client.MediaConfig) error {
	src, err := client.NewSource(streamID)
	if err != nil {
		return err
	}
	p.src = src
	if _, err := p.c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go src.Run(rctx, cfg)
	return nil
}

func (p *peer) close() {
	if p.cancel != nil {
		p.cancel()
	}
	_ = p.c.Close()
}

func (p *peer) onTrack(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	key := t.StreamID() + "|" + t.Kind().String()
	var twccID uint8 // the SFU's own transport-wide sequence numbers, the one extension it adds
	for _, e := range r.GetParameters().HeaderExtensions {
		if e.URI == sdp.TransportCCURI {
			twccID = uint8(e.ID)
		}
	}
	buf := make([]byte, 1500)
	first := true
	var pkt rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		p.mu.Lock()
		if first && t.Kind() == webrtc.RTPCodecTypeVideo {
			for _, id := range pkt.GetExtensionIDs() {
				if id != twccID {
					p.firstKey[key+"|ext"] = true
				}
			}
			p.firstKey[key] = client.IsKeyframe(pkt.Payload)
		}
		first = false
		p.packets[key]++
		p.mu.Unlock()
	}
}

func (p *peer) count(streamID, kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.packets[streamID+"|"+kind]
}

// waitFor polls cond until it holds or the deadline passes.
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

// waitEvent returns the first event of the given type.
func waitEvent(t *testing.T, c *client.Client, typ string, d time.Duration) protocol.ServerMessage {
	t.Helper()
	return waitEventWhere(t, c, typ, d, func(protocol.ServerMessage) bool { return true })
}

// waitEventWhere returns the first event of the given type that matches.
func waitEventWhere(t *testing.T, c *client.Client, typ string, d time.Duration, match func(protocol.ServerMessage) bool) protocol.ServerMessage {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case m := <-c.Events():
			if m.Type == typ && match(m) {
				return m
			}
		case <-c.Done():
			for {
				select {
				case m := <-c.Events():
					if m.Type == typ && match(m) {
						return m
					}
					continue
				default:
				}
				break
			}
			t.Fatalf("connection closed while waiting for %s", typ)
		case <-timer.C:
			t.Fatalf("no %s within %v", typ, d)
		}
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
