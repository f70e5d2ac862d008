// Package turnserver is Signroom's embedded TURN server (RFC 8656, on pion/turn) for
// participants whose networks block UDP or sit behind NATs the SFU cannot reach directly.
//
// It listens on UDP and TCP on one port and, with a certificate, on TLS on another. Clients
// authenticate with TURN REST credentials (draft-uberti-behave-turn-rest): the username is
// "EXPIRY:PARTICIPANT" with EXPIRY in Unix seconds, the password is
// base64(HMAC-SHA1(secret, username)). The service hands each participant its own in the
// signaling welcome; nothing long-lived reaches a browser.
//
// It is not an open relay: permissions are granted only to the SFU's own IP addresses, each
// relay socket passes packets only to and from the SFU's ICE sockets (address and port), and
// RFC 6062 TCP relays are refused. Quotas: allocations per participant (invitation) and
// bytes per allocation. Metrics: signroom_turn_allocations, signroom_turn_relayed_bytes_total
// and signroom_turn_refused_total.
package turnserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/signaling/rtcapi"
)

// Realm is the TURN realm the server announces.
const Realm = "signroom"

// Config configures a Server.
type Config struct {
	// Addr is the UDP and TCP listen address ("host:port", port 0 picks one); empty: neither.
	Addr string
	// TLSAddr is the TLS listen address; empty: no TLS. TLS needs TLSConfig.
	TLSAddr   string
	TLSConfig *tls.Config
	Secret    []byte // the HMAC secret of the credentials
	// MaxAllocations is the most allocations one participant may hold at once (0: 16).
	MaxAllocations int
	// MaxAllocationBytes is the most bytes one allocation relays, both ways (0: no limit).
	MaxAllocationBytes int64
	Registerer         prometheus.Registerer
	Logger             *slog.Logger // default: discard
}

// DefaultMaxAllocations is MaxAllocations' default: a browser takes one allocation per TURN
// URL (three) for each of its two peer connections, again after an ICE restart or reload.
const DefaultMaxAllocations = 16

// Server is a running TURN server.
type Server struct {
	srv     *turn.Server
	peers   *peers
	metrics *metrics
	log     *slog.Logger
	secret  []byte
	max     int
	port    int
	tlsPort int
	mu      sync.Mutex
	perUser map[string]int // open allocations by participant
	closers []func() error
}

// New starts a server. It relays nothing until SetPeers names the SFU's addresses.
func New(cfg Config) (*Server, error) {
	if len(cfg.Secret) < 16 {
		return nil, errors.New("turnserver: secret shorter than 16 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxAllocations <= 0 {
		cfg.MaxAllocations = DefaultMaxAllocations
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("turn metrics: %w", err)
	}
	s := &Server{peers: &peers{}, metrics: m, log: cfg.Logger, secret: cfg.Secret,
		max: cfg.MaxAllocations, perUser: map[string]int{}}
	gen := &relayGenerator{peers: s.peers, metrics: m, maxBytes: cfg.MaxAllocationBytes}
	sc := turn.ServerConfig{Realm: Realm, AuthHandler: s.auth, QuotaHandler: s.quota,
		EventHandler:  turn.EventHandler{OnAuth: s.onAuth, OnAllocationCreated: s.onCreated, OnAllocationDeleted: s.onDeleted},
		LoggerFactory: rtcapi.NewLoggerFactory(cfg.Logger.With("component", "turn"))}
	if err := s.listen(cfg, &sc, gen); err != nil {
		s.closeListeners()
		return nil, err
	}
	if s.srv, err = turn.NewServer(sc); err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("start turn server: %w", err)
	}
	s.log.Info("turn server ready", "port", s.port, "tls_port", s.tlsPort)
	return s, nil
}

// listen opens the UDP and TCP sockets on one port, and the TLS listener.
func (s *Server) listen(cfg Config, sc *turn.ServerConfig, gen *relayGenerator) error {
	if cfg.Addr == "" && cfg.TLSAddr == "" {
		return errors.New("turnserver: no listen address")
	}
	if cfg.Addr != "" {
		pc, err := net.ListenPacket("udp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("turn udp: %w", err)
		}
		s.closers = append(s.closers, pc.Close)
		s.port = pc.LocalAddr().(*net.UDPAddr).Port
		host, _, _ := net.SplitHostPort(cfg.Addr)
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(s.port)))
		if err != nil {
			return fmt.Errorf("turn tcp: %w", err)
		}
		s.closers = append(s.closers, ln.Close)
		sc.PacketConnConfigs = append(sc.PacketConnConfigs, turn.PacketConnConfig{PacketConn: pc,
			RelayAddressGenerator: gen, PermissionHandler: s.permit})
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: ln,
			RelayAddressGenerator: gen, PermissionHandler: s.permit})
	}
	if cfg.TLSAddr != "" {
		if cfg.TLSConfig == nil {
			return errors.New("turnserver: TLS address without a certificate")
		}
		ln, err := tls.Listen("tcp", cfg.TLSAddr, cfg.TLSConfig)
		if err != nil {
			return fmt.Errorf("turn tls: %w", err)
		}
		s.closers = append(s.closers, ln.Close)
		s.tlsPort = ln.Addr().(*net.TCPAddr).Port
		sc.ListenerConfigs = append(sc.ListenerConfigs, turn.ListenerConfig{Listener: ln,
			RelayAddressGenerator: gen, PermissionHandler: s.permit})
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, c := range s.closers {
		_ = c()
	}
}

// Port is the UDP and TCP port (0: none); TLSPort the TLS port (0: none).
func (s *Server) Port() int    { return s.port }
func (s *Server) TLSPort() int { return s.tlsPort }

// SetPeers names the SFU's ICE sockets, the only addresses the server relays to, and the
// public addresses the SFU announces instead behind 1:1 NAT (--public-ip): a client naming
// one of those (on the sockets' port) reaches the local socket, without a hairpin through
// the NAT. Relay sockets bind to the first socket's IP address.
func (s *Server) SetPeers(addrs []netip.AddrPort, public []netip.Addr) { s.peers.set(addrs, public) }

// Close stops the server and its allocations.
func (s *Server) Close() error { return s.srv.Close() }

// auth checks the username's expiry and returns the key of the password the secret derives.
func (s *Server) auth(ra *turn.RequestAttributes) (string, []byte, bool) {
	pid, err := ParseUsername(ra.Username, time.Now())
	if err != nil {
		s.metrics.refused.WithLabelValues(reasonAuth).Inc()
		s.log.Debug("turn credentials refused", "err", err, "client", ra.SrcAddr.String())
		return "", nil, false
	}
	return pid, turn.GenerateAuthKey(ra.Username, ra.Realm, password(s.secret, ra.Username)), true
}

// onAuth counts requests whose password did not match (auth refused the others already).
func (s *Server) onAuth(_, _ net.Addr, _, _, _, _ string, ok bool) {
	if !ok {
		s.metrics.refused.WithLabelValues(reasonAuth).Inc()
	}
}

// permit grants permissions (and channels) to the SFU's IP addresses only.
func (s *Server) permit(client net.Addr, peer net.IP) bool {
	if s.peers.allowIP(peer) {
		return true
	}
	s.metrics.refused.WithLabelValues(reasonPeer).Inc()
	s.log.Info("turn permission refused: not the SFU", "client", client.String(), "peer", peer.String())
	return false
}

// quota admits an allocation while the participant holds fewer than the maximum.
func (s *Server) quota(pid, _ string, _ net.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[pid] < s.max {
		return true
	}
	s.metrics.refused.WithLabelValues(reasonQuota).Inc()
	s.log.Info("turn allocation refused: quota", "participant", pid, "allocations", s.perUser[pid])
	return false
}

func (s *Server) onCreated(_, _ net.Addr, _, pid, _ string, _ net.Addr, _ int) {
	s.mu.Lock()
	s.perUser[pid]++
	s.mu.Unlock()
	s.metrics.allocations.Inc()
}

func (s *Server) onDeleted(_, _ net.Addr, _, pid, _ string) {
	s.mu.Lock()
	if s.perUser[pid]--; s.perUser[pid] <= 0 {
		delete(s.perUser, pid)
	}
	s.mu.Unlock()
	s.metrics.allocations.Dec()
}
