package turnserver_test

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/turnserver"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

type fixture struct {
	srv *turnserver.Server
	reg *prometheus.Registry
}

func newFixture(t *testing.T, cfg turnserver.Config) *fixture {
	t.Helper()
	f := &fixture{reg: prometheus.NewRegistry()}
	cfg.Secret, cfg.Registerer = testSecret, f.reg
	if cfg.Addr == "" && cfg.TLSAddr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	srv, err := turnserver.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	f.srv = srv
	return f
}

// refused reads signroom_turn_refused_total for one reason.
func (f *fixture) refused(t *testing.T, reason string) float64 {
	return metric(t, f.reg, "signroom_turn_refused_total", reason)
}

// metric reads a counter or gauge, the series with the label value (any, when empty).
func metric(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || m.GetLabel()[0].GetValue() == label {
				return m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// allocate makes a UDP allocation with the given credentials.
func (f *fixture) allocate(t *testing.T, user, pass string) (*turn.Client, net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", itoa(f.srv.Port()))
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Conn: conn,
		Username: user, Password: pass, Realm: turnserver.Realm, RTO: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = conn.Close() })
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		return c, nil, err
	}
	t.Cleanup(func() { _ = relay.Close() })
	return c, relay, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// peerSocket is a UDP socket standing in for the SFU's or another host's.
func peerSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func addrPort(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func TestCredentialsRefused(t *testing.T) {
	f := newFixture(t, turnserver.Config{})
	f.srv.SetPeers([]netip.AddrPort{addrPort(peerSocket(t))}, nil)
	good := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(time.Hour))
	expired := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(-time.Second))
	forged := turnserver.NewCredentials([]byte("another secret, not the server's"), "kim", time.Now().Add(time.Hour))
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"valid", good.Username, good.Password, true},
		{"expired", expired.Username, expired.Password, false},
		{"forged password", forged.Username, forged.Password, false},
		{"later expiry, old password", turnserver.NewCredentials(testSecret, "kim", time.Now().Add(48*time.Hour)).Username, good.Password, false},
		{"other participant, same password", turnserver.NewCredentials(testSecret, "wang", time.Now().Add(time.Hour)).Username, good.Password, false},
		{"no expiry", "kim", good.Password, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.refused(t, "auth")
			_, _, err := f.allocate(t, tc.user, tc.pass)
			if got := err == nil; got != tc.ok {
				t.Fatalf("allocation succeeded = %v (err %v), want %v", got, err, tc.ok)
			}
			if !tc.ok && f.refused(t, "auth") <= before {
				t.Errorf("refused{auth} stayed at %v", before)
			}
		})
	}
}

func TestRelayOnlyToSFU(t *testing.T) {
	f := newFixture(t, turnserver.Config{})
	sfu, other := peerSocket(t), peerSocket(t)
	f.srv.SetPeers([]netip.AddrPort{addrPort(sfu)}, nil)
	c := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(time.Hour))
	_, relay, err := f.allocate(t, c.Username, c.Password)
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}

	// Another IP address: the permission itself is refused.
	if _, err := relay.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 9}); err == nil {
		t.Error("relay to 127.0.0.2 accepted, want the permission refused")
	}
	// The SFU's IP but another port: the permission (per IP) exists, the packet is dropped.
	if _, err := relay.WriteTo([]byte("to-other"), other.LocalAddr()); err != nil {
		t.Fatalf("write to other port: %v", err)
	}
	if _, err := relay.WriteTo([]byte("to-sfu"), sfu.LocalAddr()); err != nil {
		t.Fatalf("write to sfu: %v", err)
	}
	buf := make([]byte, 64)
	_ = sfu.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := sfu.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "to-sfu" {
		t.Fatalf("sfu read %q, %v; want to-sfu", buf[:n], err)
	}
	// The relay wrote to-other (if at all) before to-sfu, so it would be queued already.
	_ = other.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := other.ReadFrom(buf); err == nil {
		t.Errorf("non-SFU port received %q through the relay", buf[:n])
	}
	if got := f.refused(t, "peer"); got < 2 {
		t.Errorf("refused{peer} = %v, want ≥ 2 (one permission, one packet)", got)
	}
	// And the SFU's answer comes back through the relay.
	if _, err := sfu.WriteTo([]byte("answer"), from); err != nil {
		t.Fatal(err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _, err := relay.ReadFrom(buf); err != nil || string(buf[:n]) != "answer" {
		t.Fatalf("client read %q, %v; want answer", buf[:n], err)
	}
}

// TestRelayToAnnouncedAddress: behind 1:1 NAT browsers know the SFU by its public address;
// the relay delivers to the local socket and the answer comes back from the public address.
func TestRelayToAnnouncedAddress(t *testing.T) {
	f := newFixture(t, turnserver.Config{})
	sfu := peerSocket(t)
	public := netip.MustParseAddr("192.0.2.7") // TEST-NET-1: never sent to, only translated
	f.srv.SetPeers([]netip.AddrPort{addrPort(sfu)}, []netip.Addr{public})
	c := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(time.Hour))
	_, relay, err := f.allocate(t, c.Username, c.Password)
	if err != nil {
		t.Fatal(err)
	}
	announced := net.UDPAddrFromAddrPort(netip.AddrPortFrom(public, addrPort(sfu).Port()))
	if _, err := relay.WriteTo([]byte("hello"), announced); err != nil {
		t.Fatalf("write to the announced address: %v", err)
	}
	buf := make([]byte, 64)
	_ = sfu.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, from, err := sfu.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("sfu read %q, %v", buf[:n], err)
	}
	if _, err := sfu.WriteTo([]byte("answer"), from); err != nil {
		t.Fatal(err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, got, err := relay.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "answer" || got.String() != announced.String() {
		t.Fatalf("client read %q from %v, %v; want answer from %v", buf[:n], got, err, announced)
	}
}

func TestAllocationQuota(t *testing.T) {
	f := newFixture(t, turnserver.Config{MaxAllocations: 2})
	f.srv.SetPeers([]netip.AddrPort{addrPort(peerSocket(t))}, nil)
	kim := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(time.Hour))
	for i := range 2 {
		if _, _, err := f.allocate(t, kim.Username, kim.Password); err != nil {
			t.Fatalf("allocation %d: %v", i+1, err)
		}
	}
	_, _, err := f.allocate(t, kim.Username, kim.Password)
	if err == nil || !strings.Contains(err.Error(), "486") {
		t.Fatalf("third allocation: err %v, want 486 Allocation Quota Reached", err)
	}
	if got := f.refused(t, "allocations"); got != 1 {
		t.Errorf("refused{allocations} = %v, want 1", got)
	}
	wang := turnserver.NewCredentials(testSecret, "wang", time.Now().Add(time.Hour))
	if _, _, err := f.allocate(t, wang.Username, wang.Password); err != nil {
		t.Errorf("another invitation's allocation: %v", err)
	}
	if got := metric(t, f.reg, "signroom_turn_allocations", ""); got != 3 {
		t.Errorf("signroom_turn_allocations = %v, want 3", got)
	}
}

func TestAllocationByteQuota(t *testing.T) {
	f := newFixture(t, turnserver.Config{MaxAllocationBytes: 10})
	sfu := peerSocket(t)
	f.srv.SetPeers([]netip.AddrPort{addrPort(sfu)}, nil)
	c := turnserver.NewCredentials(testSecret, "kim", time.Now().Add(time.Hour))
	_, relay, err := f.allocate(t, c.Username, c.Password)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"12345678", "over-quota", "last"} {
		if _, err := relay.WriteTo([]byte(p), sfu.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 64)
	_ = sfu.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, _, err := sfu.ReadFrom(buf); err != nil || string(buf[:n]) != "12345678" {
		t.Fatalf("first packet %q, %v", buf[:n], err)
	}
	waitFor(t, "two packets over quota", func() bool { return f.refused(t, "allocation_bytes") == 2 })
	_ = sfu.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, _, err := sfu.ReadFrom(buf); err == nil {
		t.Errorf("packet over quota relayed: %q", buf[:n])
	}
}

func TestNewNeedsSecretAndAddress(t *testing.T) {
	for _, cfg := range []turnserver.Config{{Addr: "127.0.0.1:0"}, {Secret: testSecret}, {Secret: testSecret, TLSAddr: "127.0.0.1:0"}} {
		if s, err := turnserver.New(cfg); err == nil {
			_ = s.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
