package signaling_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/protocol"
)

// kernelUDPBindings lists the local addresses the kernel has UDP sockets bound to on port,
// from /proc/net/udp and /proc/net/udp6 ("0.0.0.0" and "::" for unspecified).
func kernelUDPBindings(t *testing.T, port int) []string {
	t.Helper()
	var out []string
	for _, file := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatalf("read the kernel's socket table: %v", err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 2 || !strings.Contains(fields[1], ":") || fields[0] == "sl" {
				continue
			}
			ipHex, portHex, _ := strings.Cut(fields[1], ":")
			p, _ := strconv.ParseUint(portHex, 16, 16)
			if int(p) != port {
				continue
			}
			raw, err := hex.DecodeString(ipHex)
			if err != nil {
				t.Fatalf("%s: %q: %v", file, fields[1], err)
			}
			for i := 0; i+4 <= len(raw); i += 4 { // each 32-bit word is in host (little-endian) order
				raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
			}
			out = append(out, net.IP(raw).String())
		}
		f.Close()
	}
	return out
}

// serverCandidates publishes a track and returns the server's candidates: those in its
// answer and those it trickles.
func serverCandidates(t *testing.T, h *harness) []ice.Candidate {
	t.Helper()
	ctx := testCtx(t)
	tok, _ := h.invite("mou", "p", "signatory")
	var mu sync.Mutex
	var lines []string
	c, err := client.Dial(ctx, h.url("mou"), tok, client.Options{API: h.api.API,
		OnServerCandidate: func(_ string, c protocol.Candidate) {
			mu.Lock()
			lines = append(lines, c.Candidate)
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	src, err := client.NewSource("p")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, nil, src.Audio, src.Video); err != nil {
		t.Fatal(err)
	}
	answer := c.PublisherPC().RemoteDescription().SDP
	for _, l := range strings.Split(answer, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "a="); ok && strings.HasPrefix(v, "candidate:") {
			lines = append(lines, v)
		}
	}
	waitFor(t, 10*time.Second, "server candidates", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(lines) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	var out []ice.Candidate
	for _, l := range lines {
		cand, err := ice.UnmarshalCandidate(l)
		if err != nil {
			t.Fatalf("server candidate %q: %v", l, err)
		}
		out = append(out, cand)
	}
	return out
}

// TestICEBindsConfiguredAddress: with an ICE address the UDP socket is bound to that
// address only (the kernel's own table says so) and every candidate names it.
func TestICEBindsConfiguredAddress(t *testing.T) {
	h := newBoundHarness(t, signaling.Config{ICEAddr: "127.0.0.1"})
	addrs := h.hub.ICEUDPAddrs()
	if len(addrs) != 1 || !addrs[0].IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("ICE UDP sockets = %v, want one on 127.0.0.1", addrs)
	}
	port := addrs[0].Port
	if got := kernelUDPBindings(t, port); len(got) != 1 || got[0] != "127.0.0.1" {
		t.Errorf("kernel UDP sockets on port %d bound to %v, want only 127.0.0.1", port, got)
	}
	for _, c := range serverCandidates(t, h) {
		if c.Address() != "127.0.0.1" || c.Port() != port {
			t.Errorf("server candidate %s, want 127.0.0.1:%d only", c.Marshal(), port)
		}
	}
}

// TestPublicIPIsTheOnlyAnnouncedAddress: bound on every interface with a public IP, the
// server announces that address only (no IPv6 candidate beside an IPv4 public IP), binds no
// unspecified socket, and logs no warning about one.
func TestPublicIPIsTheOnlyAnnouncedAddress(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := newBoundHarness(t, signaling.Config{PublicIPs: []string{"127.0.0.1"}, Logger: logger})
	addrs := h.hub.ICEUDPAddrs()
	if len(addrs) == 0 {
		t.Fatal("no ICE UDP socket")
	}
	for _, a := range addrs {
		if a.IP.IsUnspecified() || a.IP.To4() == nil {
			t.Errorf("ICE UDP socket %v: want a specific IPv4 address", a)
		}
		for _, b := range kernelUDPBindings(t, a.Port) {
			if ip := net.ParseIP(b); ip.IsUnspecified() {
				t.Errorf("kernel has a UDP socket on %s port %d", b, a.Port)
			}
		}
	}
	cands := serverCandidates(t, h)
	for _, c := range cands {
		if c.Address() != "127.0.0.1" {
			t.Errorf("server candidate %s, want the public IP 127.0.0.1 only", c.Marshal())
		}
	}
	t.Logf("ICE UDP sockets %v; %d server candidates, all 127.0.0.1", addrs, len(cands))
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), "unspecified") {
		t.Errorf("the hub logged about an unspecified address:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
