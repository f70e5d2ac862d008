package signaling

import (
	"sync/atomic"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// downTrack is one subscriber's copy of a forwarded track. It implements
// webrtc.TrackLocal so that each subscriber gets its own SSRC, payload type,
// sequence numbers and header extensions: the publisher's extensions
// (transport-wide sequence numbers among them) are stripped so the
// subscriber's TWCC feedback describes this hop only.
type downTrack struct {
	fwd    *forwarder
	sub    *session
	codec  webrtc.RTPCodecCapability
	sender *webrtc.RTPSender

	bound  atomic.Pointer[binding]
	needKF atomic.Bool

	// used by the forwarder's read loop only
	started   bool
	skipping  bool
	lastOut   uint16
	seqOffset uint16
	hdr       rtp.Header // reused: a fresh one per packet would escape to the heap
}

type binding struct {
	ssrc uint32
	pt   uint8
	w    webrtc.TrackLocalWriter
}

func newDownTrack(f *forwarder, sub *session) *downTrack {
	d := &downTrack{fwd: f, sub: sub, codec: f.remote.Codec().RTPCodecCapability}
	d.needKF.Store(f.video)
	return d
}

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, c := range ctx.CodecParameters() {
		if c.MimeType == d.codec.MimeType {
			d.bound.Store(&binding{ssrc: uint32(ctx.SSRC()), pt: uint8(c.PayloadType), w: ctx.WriteStream()})
			return c, nil
		}
	}
	return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
}

// Unbind implements webrtc.TrackLocal.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bound.Store(nil)
	return nil
}

// ID implements webrtc.TrackLocal.
func (d *downTrack) ID() string { return d.fwd.info.ID }

// RID implements webrtc.TrackLocal.
func (d *downTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal.
func (d *downTrack) StreamID() string { return d.fwd.info.StreamID }

// Kind implements webrtc.TrackLocal.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.fwd.remote.Kind() }

func (d *downTrack) ready() bool {
	return d.bound.Load() != nil && d.sub.connected.Load()
}

// write sends one packet to the subscriber, rewriting SSRC, payload type and
// sequence number. Video is held back until a keyframe once the subscriber
// is connected, so the first frame it decodes is whole.
func (d *downTrack) write(pkt *rtp.Packet, keyframe bool) bool {
	b := d.bound.Load()
	if b == nil || !d.sub.connected.Load() {
		d.skipping = true
		return false
	}
	if d.needKF.Load() {
		if !keyframe {
			d.skipping = true
			return false
		}
		d.needKF.Store(false)
	}
	if d.skipping || !d.started {
		d.seqOffset = pkt.SequenceNumber - (d.lastOut + 1)
		d.skipping, d.started = false, true
	}
	hdr := &d.hdr
	*hdr = pkt.Header
	hdr.Extension, hdr.Extensions, hdr.ExtensionProfile = false, nil, 0
	hdr.SSRC, hdr.PayloadType = b.ssrc, b.pt
	hdr.SequenceNumber = pkt.SequenceNumber - d.seqOffset
	if diff := hdr.SequenceNumber - d.lastOut; diff < 0x8000 {
		d.lastOut = hdr.SequenceNumber
	}
	_, err := b.w.WriteRTP(hdr, pkt.Payload)
	return err == nil
}

// rtcpLoop reads the subscriber's RTCP for this track (which also feeds the
// NACK responder and report interceptors) and passes keyframe requests on.
func (d *downTrack) rtcpLoop(m *metrics) {
	for {
		pkts, _, err := d.sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.fwd.kfRequest.Store(true)
			case *rtcp.TransportLayerNack:
				m.nacks.Inc()
			}
		}
	}
}
