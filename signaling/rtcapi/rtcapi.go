// Package rtcapi builds the Pion WebRTC API shared by every peer connection
// of a server: VP8 and Opus codecs, the ssrc-audio-level header extension,
// the default interceptors (NACK generator and responder, RTCP sender and
// receiver reports, TWCC feedback), the simulcast header extensions (mid,
// rtp-stream-id, repaired-rtp-stream-id), one ICE UDP mux and an optional ICE TCP
// mux. A server API also stamps transport-wide sequence numbers on what it sends
// and runs a send-side bandwidth estimator (Google congestion control, from the
// receivers' TWCC feedback) per peer connection: Estimator returns it. The SFU and the benchmark baseline use the same function so they
// differ only in what they do with packets.
package rtcapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// socketBuffer is the requested size of the ICE UDP socket's buffers.
const socketBuffer = 4 << 20

// AudioLevelURI is the RTP header extension carrying the audio level (RFC 6464).
const AudioLevelURI = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

// Options configure New.
type Options struct {
	ICEUDPPort int // UDP port of the ICE mux; 0 picks a free port
	ICETCPPort int // TCP port for ICE-TCP; 0 disables ICE-TCP
	// ICEAddr is the IP address the ICE sockets bind to. Empty or unspecified ("0.0.0.0",
	// "::"): one UDP socket per local interface address on ICEUDPPort (loopback excluded;
	// "0.0.0.0" only IPv4 ones), and ICE-TCP on every interface.
	ICEAddr string
	// PublicIPs are announced instead of the local addresses (1:1 NAT): only these, and
	// only candidates of their address families.
	PublicIPs    []string
	LoopbackOnly bool // tests and benchmarks: 127.0.0.1 only, mDNS off
	Logger       *slog.Logger
	// Client makes an API for client peers: no mux, an ephemeral UDP port
	// per peer connection. Two muxed ends could not tell apart the several
	// connections between the same pair of addresses.
	Client bool
	// NetworkTypes restricts a client API's candidates (default UDP4, UDP6).
	NetworkTypes []webrtc.NetworkType
	// Net replaces the operating system's network (tests: a network that can go silent, a
	// pion vnet). A server API on it binds its ICE UDP socket to ICEAddr on this network.
	Net transport.Net
	// SenderClock is the wall clock of the RTCP sender reports the peers send (default
	// time.Now). A test sets it behind the real clock to play a sender whose media reach the
	// server later than they were captured, as over a slow network.
	SenderClock func() time.Time
}

// API is a configured Pion API with the sockets it owns.
type API struct {
	*webrtc.API
	UDPAddr  *net.UDPAddr   // the first (usually the only) ICE UDP socket
	UDPAddrs []*net.UDPAddr // every ICE UDP socket
	TCPAddr  *net.TCPAddr   // nil when ICE-TCP is off
	udpMux   ice.UDPMux
	tcpMux   ice.TCPMux

	estimators sync.Map // peer connection id -> cc.BandwidthEstimator, until taken
}

// Send-side bandwidth estimation of a server API: the estimate a new connection starts
// from, and its bounds.
const (
	InitialEstimate = 2_500_000
	minEstimate     = 50_000
	maxEstimate     = 20_000_000
	maxNacks        = 10 // NACKs sent for one lost packet
)

// New builds the API and opens its ICE sockets. Close releases them.
func New(opts Options) (*API, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	me, err := mediaEngine(!opts.Client)
	if err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	a := &API{}
	iopts := []webrtc.InterceptorOption{
		// As browsers do, give up on a lost packet after a few requests.
		webrtc.WithNackGeneratorOptions(nack.GeneratorMaxNacksPerPacket(maxNacks))}
	if opts.SenderClock != nil {
		iopts = append(iopts, webrtc.WithReportSenderOptions(report.SenderNow(opts.SenderClock)))
	}
	if !opts.Client {
		// Before the NACK responder, which then keeps retransmissions within the estimate.
		if err := a.registerEstimator(reg); err != nil {
			return nil, err
		}
	}
	if err := webrtc.RegisterDefaultInterceptorsWithOptions(me, reg, iopts...); err != nil {
		return nil, fmt.Errorf("register interceptors: %w", err)
	}
	if !opts.Client {
		// Outermost, so the estimator sees each packet's transport-wide sequence number.
		hdr, err := twcc.NewHeaderExtensionInterceptor()
		if err != nil {
			return nil, fmt.Errorf("transport-wide sequence numbers: %w", err)
		}
		reg.Add(hdr)
	}
	se, err := a.settingEngine(opts)
	if err != nil {
		return nil, err
	}
	a.API = webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(reg),
		webrtc.WithSettingEngine(se))
	return a, nil
}

// registerEstimator adds the bandwidth estimator (no pacer: the SFU forwards as packets
// come and chooses layers from the estimate instead).
func (a *API) registerEstimator(reg *interceptor.Registry) error {
	f, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
		return gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(InitialEstimate),
			gcc.SendSideBWEMinBitrate(minEstimate), gcc.SendSideBWEMaxBitrate(maxEstimate),
			gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	})
	if err != nil {
		return fmt.Errorf("bandwidth estimator: %w", err)
	}
	f.OnNewPeerConnection(func(id string, e cc.BandwidthEstimator) { a.estimators.Store(id, e) })
	reg.Add(f)
	return nil
}

// Estimator returns the bandwidth estimator of a peer connection made by a server API,
// once: the caller owns it from then on (it ends with the connection). Nil for a client
// API's connections.
func (a *API) Estimator(pc *webrtc.PeerConnection) cc.BandwidthEstimator {
	e, ok := a.estimators.LoadAndDelete(pc.ID())
	if !ok {
		return nil
	}
	return e.(cc.BandwidthEstimator)
}

// Close closes the ICE sockets; call it after every peer connection closed.
func (a *API) Close() error {
	if a.udpMux == nil && a.tcpMux == nil {
		return nil
	}
	var errs []error
	if a.udpMux != nil {
		errs = append(errs, a.udpMux.Close())
	}
	if a.tcpMux != nil {
		errs = append(errs, a.tcpMux.Close())
	}
	return errors.Join(errs...)
}

// mediaEngine registers the codecs: RTX only for a server. A Pion client would send its
// retransmissions of a simulcast layer as RTX carrying the layer's rid extension (not
// repaired-rtp-stream-id, as browsers do), which the receiver takes for the layer itself;
// without RTX it resends on the layer's own SSRC.
func mediaEngine(rtx bool) (*webrtc.MediaEngine, error) {
	me := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"},
		{Type: "nack"}, {Type: "nack", Parameter: "pli"}}
	codecs := []struct {
		p webrtc.RTPCodecParameters
		k webrtc.RTPCodecType
	}{
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2,
			SDPFmtpLine: "minptime=10;useinbandfec=1"}, PayloadType: 111}, webrtc.RTPCodecTypeAudio},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 96},
			webrtc.RTPCodecTypeVideo},
		{webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeRTX, ClockRate: 90000, SDPFmtpLine: "apt=96"}, PayloadType: 97},
			webrtc.RTPCodecTypeVideo},
	}
	if !rtx {
		codecs = codecs[:2]
	}
	for _, c := range codecs {
		if err := me.RegisterCodec(c.p, c.k); err != nil {
			return nil, fmt.Errorf("register codec %s: %w", c.p.MimeType, err)
		}
	}
	ext := webrtc.RTPHeaderExtensionCapability{URI: AudioLevelURI}
	if err := me.RegisterHeaderExtension(ext, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, fmt.Errorf("register audio level extension: %w", err)
	}
	return me, nil
}

func (a *API) settingEngine(opts Options) (webrtc.SettingEngine, error) {
	se := webrtc.SettingEngine{}
	se.LoggerFactory = loggerFactory{opts.Logger}
	if opts.LoopbackOnly {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) })
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	if opts.Net != nil {
		se.SetNet(opts.Net)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	}
	if opts.Client {
		types := opts.NetworkTypes
		if len(types) == 0 {
			types = []webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6}
		}
		se.SetNetworkTypes(types)
		return se, nil
	}
	return se, a.openSockets(&se, opts)
}
