package server

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address of the client that sent r. It is the connection's peer unless
// that peer is a trusted reverse proxy; then it is the right-most X-Forwarded-For entry that
// is not itself a trusted proxy (entries to the left of it can be forged by the client).
func (s *Server) clientAddr(r *http.Request) string {
	peer := peerHost(r.RemoteAddr)
	if !s.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if _, err := netip.ParseAddr(hop); err != nil {
			break // a malformed entry: stop at the last proxy we trust
		}
		if !s.trusted(hop) {
			return hop
		}
		peer = hop
	}
	return peer
}

// trusted reports whether addr is one of the configured reverse proxies.
func (s *Server) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peerHost(hostport string) string {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return host
}
