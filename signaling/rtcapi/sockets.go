package rtcapi

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// ICE timeouts of the server's peer connections.
const (
	iceDisconnectedTimeout = 3 * time.Second
	iceFailedTimeout       = 30 * time.Second       // after disconnected
	iceKeepalive           = 500 * time.Millisecond // also how often the agent checks for silence
)

// ErrICEAddr is returned by New for an ICEAddr that is not an IP address.
var ErrICEAddr = errors.New("ICE address is not an IP address")

// openSockets opens the server's shared ICE sockets where Options say and configures the
// setting engine to gather candidates only from them, announcing PublicIPs instead when set.
func (a *API) openSockets(se *webrtc.SettingEngine, opts Options) error {
	// Presence: a peer connection that heard nothing for 3 s is disconnected (the SFU
	// announces its participant as unreachable); with keepalives every 0.5 s a live one
	// always hears something. Failure comes late: the SFU's grace period decides first.
	se.SetICETimeouts(iceDisconnectedTimeout, iceFailedTimeout, iceKeepalive)
	host, err := bindHost(opts)
	if err != nil {
		return err
	}
	v4, v6 := families(host, opts.PublicIPs)
	if err := a.listenUDP(se, opts, host, v4, v6); err != nil {
		return err
	}
	types := networkTypes(v4, v6, webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6)
	if opts.ICETCPPort != 0 {
		if err := a.listenTCP(se, opts, host); err != nil {
			_ = a.udpMux.Close()
			return err
		}
		types = append(types, networkTypes(v4, v6, webrtc.NetworkTypeTCP4, webrtc.NetworkTypeTCP6)...)
	}
	se.SetNetworkTypes(types)
	if len(opts.PublicIPs) > 0 {
		rule := webrtc.ICEAddressRewriteRule{External: opts.PublicIPs,
			AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace}
		if err := se.SetICEAddressRewriteRules(rule); err != nil {
			_ = a.Close()
			return fmt.Errorf("public IPs: %w", err)
		}
	}
	return nil
}

// bindHost is the address to bind: nil for every interface.
func bindHost(opts Options) (net.IP, error) {
	if opts.LoopbackOnly {
		return net.IPv4(127, 0, 0, 1), nil
	}
	if opts.ICEAddr == "" {
		return nil, nil
	}
	ip := net.ParseIP(opts.ICEAddr)
	if ip == nil {
		return nil, fmt.Errorf("%w: %q", ErrICEAddr, opts.ICEAddr)
	}
	if ip.Equal(net.IPv6unspecified) {
		return nil, nil
	}
	return ip, nil
}

// families says which address families the server's candidates may have: the bound
// address's, and among those only the public addresses' families when there are some.
func families(host net.IP, public []string) (v4, v6 bool) {
	v4, v6 = true, true
	if host != nil {
		v4 = host.To4() != nil
		v6 = !v4
	}
	if len(public) > 0 {
		var p4, p6 bool
		for _, s := range public {
			if ip := net.ParseIP(s); ip != nil && ip.To4() != nil {
				p4 = true
			} else if ip != nil {
				p6 = true
			}
		}
		v4, v6 = v4 && p4, v6 && p6
	}
	return v4, v6
}

func networkTypes(v4, v6 bool, t4, t6 webrtc.NetworkType) []webrtc.NetworkType {
	var out []webrtc.NetworkType
	if v4 {
		out = append(out, t4)
	}
	if v6 {
		out = append(out, t6)
	}
	return out
}

func (a *API) listenUDP(se *webrtc.SettingEngine, opts Options, host net.IP, v4, v6 bool) error {
	if !v4 && !v6 {
		return fmt.Errorf("listen ICE UDP: the public IPs' address family differs from %s's", host)
	}
	log := se.LoggerFactory.NewLogger("udpmux")
	if host != nil && !host.IsUnspecified() {
		if host.IsLoopback() {
			se.SetIncludeLoopbackCandidate(true)
		}
		udp, err := listenUDP(opts, &net.UDPAddr{IP: host, Port: opts.ICEUDPPort})
		if err != nil {
			return fmt.Errorf("listen ICE UDP: %w", err)
		}
		a.udpMux = webrtc.NewICEUDPMux(log, udp)
	} else {
		mux, err := ice.NewMultiUDPMuxFromPort(opts.ICEUDPPort, ice.UDPMuxFromPortWithLogger(log),
			ice.UDPMuxFromPortWithNetworks(iceNetworks(v4, v6)...),
			ice.UDPMuxFromPortWithReadBufferSize(socketBuffer), ice.UDPMuxFromPortWithWriteBufferSize(socketBuffer))
		if err != nil {
			return fmt.Errorf("listen ICE UDP on every interface: %w", err)
		}
		a.udpMux = mux
	}
	for _, addr := range a.udpMux.GetListenAddresses() {
		if u, ok := addr.(*net.UDPAddr); ok {
			a.UDPAddrs = append(a.UDPAddrs, u)
		}
	}
	if len(a.UDPAddrs) == 0 {
		_ = a.udpMux.Close()
		return errors.New("listen ICE UDP: no interface address to listen on")
	}
	a.UDPAddr = a.UDPAddrs[0]
	se.SetICEUDPMux(a.udpMux)
	return nil
}

// listenUDP opens the one ICE UDP socket, on Options.Net when set.
func listenUDP(opts Options, addr *net.UDPAddr) (net.PacketConn, error) {
	if opts.Net != nil {
		return opts.Net.ListenUDP("udp4", addr)
	}
	udp, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, err
	}
	// One socket carries every peer: give it room for bursts (the kernel caps
	// this at net.core.rmem_max / wmem_max).
	_ = udp.SetReadBuffer(socketBuffer)
	_ = udp.SetWriteBuffer(socketBuffer)
	return udp, nil
}

func iceNetworks(v4, v6 bool) []ice.NetworkType {
	var out []ice.NetworkType
	if v4 {
		out = append(out, ice.NetworkTypeUDP4)
	}
	if v6 {
		out = append(out, ice.NetworkTypeUDP6)
	}
	return out
}

func (a *API) listenTCP(se *webrtc.SettingEngine, opts Options, host net.IP) error {
	h := ""
	if host != nil {
		h = host.String()
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(opts.ICETCPPort)))
	if err != nil {
		return fmt.Errorf("listen ICE TCP: %w", err)
	}
	a.TCPAddr = ln.Addr().(*net.TCPAddr)
	a.tcpMux = webrtc.NewICETCPMux(se.LoggerFactory.NewLogger("tcpmux"), ln, 32)
	se.SetICETCPMux(a.tcpMux)
	return nil
}
