package signaling_test

import (
	"log/slog"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// The WAN harness runs the real SFU and Pion clients on a virtual network (pion vnet):
// the SFU on a WAN router, each venue behind its own router (a NAT, as venue networks are)
// that delays, jitters and drops what crosses it, both ways. Signaling still goes over
// loopback WebSocket; media only over the virtual network.

const sfuIP = "203.0.113.10"

// wanLeg is what one venue's link to the SFU does to packets, each way.
type wanLeg struct {
	delay  time.Duration // fixed one-way delay
	jitter time.Duration // plus up to this much (the router pauses a random time per pass)
	loss   float64       // fraction of packets dropped
}

type wanNet struct {
	t   *testing.T
	wan *vnet.Router
	sfu *vnet.Net
	n   int
}

func newWAN(t *testing.T) *wanNet {
	t.Helper()
	wan, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "203.0.113.0/24", QueueSize: 10000,
		LoggerFactory: vnetLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	sfu, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{sfuIP}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wan.AddNet(sfu); err != nil {
		t.Fatal(err)
	}
	if err := wan.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = wan.Stop() })
	return &wanNet{t: t, wan: wan, sfu: sfu}
}

// vnetLogger logs the virtual network's warnings (a full router queue) to the test.
func vnetLogger(t *testing.T) logging.LoggerFactory {
	return rtcapi.NewLoggerFactory(slog.New(slog.NewTextHandler(newTestWriter(t), &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// harness starts the SFU on the virtual network.
func (w *wanNet) harness() *harness {
	return newBoundHarness(w.t, signaling.Config{Net: w.sfu, ICEAddr: sfuIP})
}

// venue adds a venue network with one host behind its router and returns a client API on
// it; nic, when set, wraps the host's interface (a rate limit on its downlink).
func (w *wanNet) venue(leg wanLeg, nic func(*vnet.Net) vnet.NIC) *webrtc.API {
	w.t.Helper()
	w.n++
	cidr := net.IPv4(10, byte(w.n), 0, 0).String() + "/24"
	r, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: cidr, MinDelay: leg.delay, MaxJitter: leg.jitter,
		QueueSize: 10000, LoggerFactory: vnetLogger(w.t)})
	if err != nil {
		w.t.Fatal(err)
	}
	if leg.loss > 0 {
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(uint64(w.n), 15)) // #nosec G404 -- loss simulation
		r.AddChunkFilter(func(vnet.Chunk) bool {
			mu.Lock()
			defer mu.Unlock()
			return rng.Float64() >= leg.loss
		})
	}
	host, err := vnet.NewNet(&vnet.NetConfig{})
	if err != nil {
		w.t.Fatal(err)
	}
	var n vnet.NIC = host
	if nic != nil {
		n = nic(host)
	}
	if err := r.AddNet(n); err != nil {
		w.t.Fatal(err)
	}
	if err := w.wan.AddRouter(r); err != nil {
		w.t.Fatal(err)
	}
	// The WAN router started already: a child added since starts on its own.
	if err := r.Start(); err != nil {
		w.t.Fatal(err)
	}
	api, err := rtcapi.New(rtcapi.Options{Client: true, Net: host,
		NetworkTypes: []webrtc.NetworkType{webrtc.NetworkTypeUDP4}})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = api.Close() })
	return api.API
}
