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

// peers is the set of addresses the relay may send to: the SFU's ICE sockets, and the public
// addresses the SFU announces instead of them behind 1:1 NAT (public), which the relay
// translates to the first local socket of the same address family and back.
type peers struct {
	mu     sync.RWMutex
	addrs  map[netip.AddrPort]bool
	ips    map[netip.Addr]bool
	public map[netip.AddrPort]netip.AddrPort // announced -> local
	local  map[netip.AddrPort]netip.AddrPort // local -> announced
	bind   netip.Addr                        // relay sockets bind here: the SFU's first address
}

func (p *peers) set(addrs []netip.AddrPort, public []netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addrs, p.ips = map[netip.AddrPort]bool{}, map[netip.Addr]bool{}
	p.public, p.local = map[netip.AddrPort]netip.AddrPort{}, map[netip.AddrPort]netip.AddrPort{}
	p.bind = netip.Addr{}
	for _, a := range addrs {
		a = unmap(a)
		p.addrs[a], p.ips[a.Addr()] = true, true
		if !p.bind.IsValid() {
			p.bind = a.Addr()
		}
	}
	for _, ip := range public {
		ip = ip.Unmap()
		for _, a := range addrs {
			if a = unmap(a); a.Addr().Is4() == ip.Is4() {
				pub := netip.AddrPortFrom(ip, a.Port())
				p.public[pub], p.ips[ip] = a, true
				if _, ok := p.local[a]; !ok {
					p.local[a] = pub
				}
				break
			}
		}
	}
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }

func (p *peers) allowIP(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	p.mu.RLock()
	defer p.mu.RUnlock()
	return ok && p.ips[a.Unmap()]
}

// outbound maps a destination the client named to the SFU socket it stands for.
func (p *peers) outbound(addr net.Addr) (*net.UDPAddr, bool) {
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return nil, false
	}
	a := unmap(u.AddrPort())
	p.mu.RLock()
	defer p.mu.RUnlock()
	if l, ok := p.public[a]; ok {
		return net.UDPAddrFromAddrPort(l), true
	}
	return u, p.addrs[a]
}

// inbound maps the SFU socket a packet came from to the address the client knows it by.
func (p *peers) inbound(addr net.Addr) (net.Addr, bool) {
	u, ok := addr.(*net.UDPAddr)
	if !ok {
		return nil, false
	}
	a := unmap(u.AddrPort())
	p.mu.RLock()
	defer p.mu.RUnlock()
	if !p.addrs[a] {
		return nil, false
	}
	if pub, ok := p.local[a]; ok {
		return net.UDPAddrFromAddrPort(pub), true
	}
	return u, true
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
		from, ok := c.g.peers.inbound(addr)
		if c.pass(ok, n, "from_peer") {
			return n, from, nil
		}
	}
}

func (c *relayConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	to, ok := c.g.peers.outbound(addr)
	if !c.pass(ok, len(b), "to_peer") {
		return len(b), nil // dropped, as UDP may
	}
	return c.PacketConn.WriteTo(b, to)
}

func (c *relayConn) pass(peer bool, n int, dir string) bool {
	if !peer {
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
