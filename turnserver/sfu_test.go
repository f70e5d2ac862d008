package turnserver_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
	"github.com/signroom/signroom/turnserver"
)

// testCert is the TURN server's TLS certificate for 127.0.0.1. TestMain makes Go's system
// roots trust it (SSL_CERT_FILE): Pion's TURN-over-TLS client verifies against them.
var testCert tls.Certificate

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "turnserver-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if testCert, err = makeCert(filepath.Join(dir, "ca.pem")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("SSL_CERT_FILE", filepath.Join(dir, "ca.pem"))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// makeCert makes a self-signed certificate for 127.0.0.1 and writes it to file.
func makeCert(file string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "turn test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// admitAll admits "token-PID" as participant PID of agreement "a1".
type admitAll struct{}

func (admitAll) Admit(_ context.Context, agreementID, token string) (signaling.Admission, error) {
	pid, ok := strings.CutPrefix(token, "token-")
	if !ok || agreementID != "a1" {
		return signaling.Admission{}, signaling.ErrNotAdmitted
	}
	return signaling.Admission{AgreementID: agreementID, ParticipantID: pid, TokenID: token, Name: pid,
		Role: "signatory", Publish: true, Subscribe: true, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// sfuFixture is the real SFU with the embedded TURN server handing out its URLs.
type sfuFixture struct {
	*fixture
	hub *signaling.Hub
	url string
	api *rtcapi.API
}

// newSFU starts TURN (UDP, TCP and TLS) and an SFU whose welcome offers the URLs urls picks.
func newSFU(t *testing.T, urls func(port, tlsPort int) []string) *sfuFixture {
	t.Helper()
	f := newFixture(t, turnserver.Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0",
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{testCert}, MinVersion: tls.VersionTLS12}})
	is := turnserver.Issuer{Secret: testSecret, URLs: urls(f.srv.Port(), f.srv.TLSPort()), TTL: time.Hour}
	hub, err := signaling.NewHub(signaling.Config{LoopbackOnly: true, ICEServersFor: is.ICEServers,
		Registerer: prometheus.NewRegistry(), PLIInterval: 300 * time.Millisecond}, admitAll{})
	if err != nil {
		t.Fatal(err)
	}
	var sfuAddrs []netip.AddrPort
	for _, a := range hub.ICEUDPAddrs() {
		sfuAddrs = append(sfuAddrs, a.AddrPort())
	}
	f.srv.SetPeers(sfuAddrs, nil)
	mux := http.NewServeMux()
	mux.Handle("GET /api/agreements/{id}/ceremony/ws", hub.Handler())
	hs := httptest.NewServer(mux)
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true,
		NetworkTypes: []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = hub.Close()
		hs.Close()
		_ = api.Close()
	})
	return &sfuFixture{fixture: f, hub: hub, api: api,
		url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/api/agreements/a1/ceremony/ws"}
}

// relayPeer is a relay-only participant that publishes synthetic media and counts what it
// receives, by kind.
type relayPeer struct {
	c   *client.Client
	mu  sync.Mutex
	got map[string]int
}

func (s *sfuFixture) join(t *testing.T, ctx context.Context, pid string) *relayPeer {
	t.Helper()
	p := &relayPeer{got: map[string]int{}}
	c, err := client.Dial(ctx, s.url, "token-"+pid, client.Options{API: s.api.API, RelayOnly: true,
		OnTrack: func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
			for {
				if _, _, err := tr.ReadRTP(); err != nil {
					return
				}
				p.mu.Lock()
				p.got[tr.Kind().String()]++
				p.mu.Unlock()
			}
		}})
	if err != nil {
		t.Fatalf("join %s: %v", pid, err)
	}
	p.c = c
	t.Cleanup(func() { _ = c.Close() })
	src, err := client.NewSource(pid)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		t.Fatalf("publish %s: %v", pid, err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go src.Run(rctx, client.MediaConfig{VideoBitrate: 200_000, KeyframeInterval: time.Second})
	return p
}

func (p *relayPeer) count(kind string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.got[kind]
}

// TestMediaThroughTURN connects two relay-only participants to the real SFU through the
// embedded TURN server, over TCP and over TLS, and checks media flows both ways through it.
func TestMediaThroughTURN(t *testing.T) {
	tests := []struct {
		name string
		urls func(port, tlsPort int) []string
	}{
		{"tcp", func(port, _ int) []string { return []string{fmt.Sprintf("turn:127.0.0.1:%d?transport=tcp", port)} }},
		{"tls", func(_, tlsPort int) []string {
			return []string{fmt.Sprintf("turns:127.0.0.1:%d?transport=tcp", tlsPort)}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newSFU(t, tc.urls)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			kim, wang := s.join(t, ctx, "kim"), s.join(t, ctx, "wang")
			if ws := kim.c.Welcome().ICEServers; len(ws) != 1 || !strings.HasSuffix(ws[0].Username, ":kim") {
				t.Fatalf("kim's welcome ICE servers %+v, want kim's own credentials", ws)
			}
			waitFor(t, "media both ways through TURN", func() bool {
				return kim.count("audio") > 20 && kim.count("video") > 20 && wang.count("audio") > 20 && wang.count("video") > 20
			})
			for _, dir := range []string{"to_peer", "from_peer"} {
				if got := metric(t, s.reg, "signroom_turn_relayed_bytes_total", dir); got < 20_000 {
					t.Errorf("relayed bytes %s = %v, want the media's", dir, got)
				}
			}
			if got := metric(t, s.reg, "signroom_turn_allocations", ""); got < 4 {
				t.Errorf("allocations = %v, want ≥ 4 (two peer connections each)", got)
			}
			assertRelayPair(t, kim.c.PublisherPC())
		})
	}
}

// assertRelayPair checks the peer connection's selected pair is a relay candidate's.
func assertRelayPair(t *testing.T, pc *webrtc.PeerConnection) {
	t.Helper()
	for _, st := range pc.GetStats() {
		pair, ok := st.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated {
			continue
		}
		local, _ := pc.GetStats()[pair.LocalCandidateID].(webrtc.ICECandidateStats)
		if local.CandidateType != webrtc.ICECandidateTypeRelay {
			t.Errorf("nominated pair's local candidate is %s, want relay", local.CandidateType)
		}
		return
	}
	t.Error("no nominated candidate pair")
}
