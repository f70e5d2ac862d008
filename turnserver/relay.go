package turnserver

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/pion/turn/v5"
)

// errTCPRelay refuses RFC 6062 TCP allocations: the SFU is reached over UDP only.
var errTCPRelay = errors.New("turn: TCP relay allocations are not offered")

// errNoPeers refuses allocations before the SFU's addresses are known.
var errNoPeers = errors.New("turn: SFU addresses not set")

// peers is the set of addresses the relay may send to: the SFU's ICE sockets.
type peers struct {
	mu    sync.RWMutex
	addrs map[netip.AddrPort]bool
	ips   map[netip.Addr]bool
	bind  netip.Addr // relay sockets bind here: the SFU's first address
}

func (p *peers) set(addrs []netip.AddrPort) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addrs, p.ips = map[netip.AddrPort]bool{}, map[netip.Addr]bool{}
	p.bind = netip.Addr{}
	for _, a := range addrs {
		a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
		p.addrs[a], p.ips[a.Addr()] = true, true
		if !p.bind.IsValid() {
			p.bind = a.Addr()
		}
	}
}

func (p *peers) allowIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	p.mu.RLock()
	defer p.mu.RUnlock()
	return ok && p.ips[a.Unmap()]
}

func (p *peers) allowAddr(addr net.Addr) bool {
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	a := u.AddrPort()
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.addrs[netip.AddrPortFrom(a.Addr().Unmap(), a.Port())]
}

func (p *peers) bindAddr() netip.Addr {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.bind
}

// relayGenerator opens each allocation's relay socket on the SFU's own address and wraps
// it so it exchanges packets with the SFU's ICE sockets only, within the byte quota.
type relayGenerator struct {
	peers    *peers
	metrics  *metrics
	maxBytes int64 // per allocation, both directions; 0: no limit
}

var _ turn.RelayAddressGenerator = (*relayGenerator)(nil)

func (g *relayGenerator) Validate() error { return nil }

func (g *relayGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	ip := g.peers.bindAddr()
	if !ip.IsValid() {
		return nil, nil, errNoPeers
	}
	network := "udp4"
	if ip.Is6() {
		network = "udp6"
	}
	conn, err := net.ListenUDP(network, &net.UDPAddr{IP: ip.AsSlice(), Port: c.RequestedPort})
	if err != nil {
		return nil, nil, err
	}
	return &relayConn{PacketConn: conn, g: g}, conn.LocalAddr(), nil
}

func (g *relayGenerator) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

func (g *relayGenerator) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// relayConn is a relay socket that drops packets to and from anything but the SFU's ICE
// sockets (the TURN server's permissions are per IP address; this also pins the port) and
// every packet once the allocation has relayed its quota.
type relayConn struct {
	net.PacketConn
	g    *relayGenerator
	used atomic.Int64
}

func (c *relayConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		if c.pass(addr, n, "from_peer") {
			return n, addr, nil
		}
	}
}

func (c *relayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if !c.pass(addr, len(b), "to_peer") {
		return len(b), nil // dropped, as UDP may
	}
	return c.PacketConn.WriteTo(b, addr)
}

func (c *relayConn) pass(addr net.Addr, n int, dir string) bool {
	if !c.g.peers.allowAddr(addr) {
		c.g.metrics.refused.WithLabelValues(reasonPeer).Inc()
		return false
	}
	if c.g.maxBytes > 0 && c.used.Add(int64(n)) > c.g.maxBytes {
		c.g.metrics.refused.WithLabelValues(reasonBytes).Inc()
		return false
	}
	c.g.metrics.bytes.WithLabelValues(dir).Add(float64(n))
	return true
}
