package main

import (
	"crypto/tls"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/turnserver"
)

// openTURN starts the embedded TURN server when configured and returns what hands each
// participant its credentials in the welcome (nil when off). The server relays nothing until
// openHub names the SFU's sockets.
func (m *Main) openTURN() (func(string, time.Time) []webrtc.ICEServer, error) {
	tc := m.Config.TURN
	if !tc.Enabled() {
		return nil, nil
	}
	secret, err := turnserver.LoadOrCreateSecret(m.Config.DataDir)
	if err != nil {
		return nil, err
	}
	cfg := turnserver.Config{Addr: tc.Addr, TLSAddr: tc.TLSAddr, Secret: secret, MaxAllocations: int(tc.MaxAllocs),
		MaxAllocationBytes: tc.MaxAllocBytes, Registerer: m.Registry, Logger: m.Logger}
	if tc.TLSAddr != "" {
		if cfg.TLSConfig, err = turnTLS(tc); err != nil {
			return nil, err
		}
	}
	srv, err := turnserver.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("start turn server: %w", err)
	}
	m.TURN = srv
	m.closers = append(m.closers, srv.Close)
	is := turnserver.Issuer{Secret: secret, URLs: turnserver.URLs(tc.Host, srv.Port(), srv.TLSPort()), TTL: tc.CredentialTTL}
	return is.ICEServers, nil
}

// turnTLS loads the TURN server's certificate.
func turnTLS(tc TURNConfig) (*tls.Config, error) {
	certPEM, err := os.ReadFile(tc.CertFile)
	if err != nil {
		return nil, fmt.Errorf("read turn certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, []byte(tc.KeyPEM))
	if err != nil {
		return nil, fmt.Errorf("load turn certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// sfuAddrs are the SFU's ICE UDP sockets, the only peers the TURN server relays to.
func sfuAddrs(hub *signaling.Hub) []netip.AddrPort {
	var out []netip.AddrPort
	for _, a := range hub.ICEUDPAddrs() {
		out = append(out, a.AddrPort())
	}
	return out
}

// publicAddrs parses --public-ip (validated at start).
func publicAddrs(ips []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}
