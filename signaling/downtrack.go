package signaling

import (
	"sync/atomic"
	"time"

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

	bound atomic.Pointer[binding]
	// sel picks the layer; a track without simulcast has one, layer 0. Video starts over
	// at a key frame when the subscriber connects and after an unmute.
	sel       *selector
	holdUntil time.Time     // no layer up before this (after a drop); under room.mu
	lost      atomic.Uint32 // fraction lost (/256) in the subscriber's last receiver report
	lostAt    atomic.Int64  // unix ns of that report

	// used by the forwarder's writers only (under forwarder.wmu)
	rw  rewriter
	hdr rtp.Header // reused: a fresh one per packet would escape to the heap
}

type binding struct {
	ssrc uint32
	pt   uint8
	w    webrtc.TrackLocalWriter
}

func newDownTrack(f *forwarder, sub *session) *downTrack {
	return &downTrack{fwd: f, sub: sub, codec: f.remote.Codec().RTPCodecCapability,
		sel: newSelector(f.layerIndex(f.remote))}
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

// ready reports whether the subscriber can receive the track now.
func (d *downTrack) ready() bool {
	return d.bound.Load() != nil && d.sub.connected.Load()
}

// write sends one packet of layer idx to the subscriber if its selector takes it,
// rewriting SSRC, payload type, sequence number and (across layers) timestamp. Video is
// held back until a key frame once the subscriber is connected, so the first frame it
// decodes is whole.
func (d *downTrack) write(idx int, pkt *rtp.Packet, key bool, now time.Time) bool {
	b := d.bound.Load()
	if b == nil || !d.sub.connected.Load() {
		d.rw.skipping = true
		return false
	}
	pass, switched := d.sel.pick(idx, key)
	if switched && d.fwd.simulcast {
		d.fwd.metrics.switched(d.sel.cur.Load())
	}
	if !pass {
		d.rw.skipping = true
		return false
	}
	hdr := &d.hdr
	*hdr = pkt.Header
	hdr.Extension, hdr.Extensions, hdr.ExtensionProfile = false, nil, 0
	hdr.SSRC, hdr.PayloadType = b.ssrc, b.pt
	d.rw.rewrite(hdr, pkt, idx, d.fwd.clockRate, now)
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
			switch p := p.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				d.fwd.requestKeyframe(d.sel.cur.Load())
			case *rtcp.TransportLayerNack:
				m.nacks.Inc()
			case *rtcp.ReceiverReport:
				d.noteReport(p)
			}
		}
	}
}

// noteReport keeps the loss the subscriber reports for this track.
func (d *downTrack) noteReport(rr *rtcp.ReceiverReport) {
	b := d.bound.Load()
	for _, r := range rr.Reports {
		if b != nil && r.SSRC == b.ssrc {
			d.lost.Store(uint32(r.FractionLost))
			d.lostAt.Store(time.Now().UnixNano())
		}
	}
}

// reportedLoss returns the fraction of packets the subscriber last reported lost, 0 when
// its last report is older than reportFresh.
func (d *downTrack) reportedLoss(now time.Time) float64 {
	if now.UnixNano()-d.lostAt.Load() > int64(reportFresh) {
		return 0
	}
	return float64(d.lost.Load()) / 256
}
