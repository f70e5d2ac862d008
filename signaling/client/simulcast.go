package client

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Layer is one encoding of a simulcast source: its rid and bitrate in bits per second.
type Layer struct {
	RID     string
	Bitrate int
}

// DefaultLayers are the encodings the frontend publishes a camera in (docs/signaling.md,
// "Simulcast"): a quarter, half and the full size.
var DefaultLayers = []Layer{{"q", 150_000}, {"h", 500_000}, {"f", 1_200_000}}

// SimulcastSource publishes synthetic Opus audio and VP8 video in several encodings of one
// track, each a stream of its own (SSRC, sequence numbers, key frames), as a browser does.
// Payloads are those of Source.
type SimulcastSource struct {
	Audio  *webrtc.TrackLocalStaticRTP
	Layers []*webrtc.TrackLocalStaticRTP
	audio  *Source // the audio half
	rates  []int
	key    []atomic.Bool
	frames []atomic.Int64
	seq    []uint16
	ext    atomic.Pointer[layerExt]
}

// layerExt is what a simulcast packet carries to be told apart before the SFU knows its
// SSRC: the mid and rid header extensions' ids and the transceiver's mid.
type layerExt struct {
	midID, ridID uint8
	mid          string
}

// NewSimulcastSource creates the audio track and one video track per layer (lowest first).
func NewSimulcastSource(streamID string, layers []Layer) (*SimulcastSource, error) {
	a, err := NewSource(streamID)
	if err != nil {
		return nil, err
	}
	s := &SimulcastSource{Audio: a.Audio, audio: a, key: make([]atomic.Bool, len(layers)),
		frames: make([]atomic.Int64, len(layers)), seq: make([]uint16, len(layers))}
	for i, l := range layers {
		v, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8,
			ClockRate: 90000}, "video", streamID, webrtc.WithRTPStreamID(l.RID))
		if err != nil {
			return nil, fmt.Errorf("video layer %s: %w", l.RID, err)
		}
		s.Layers = append(s.Layers, v)
		s.rates = append(s.rates, l.Bitrate)
		s.key[i].Store(true)
	}
	return s, nil
}

// Tracks lists the tracks in the order Client.Publish takes them.
func (s *SimulcastSource) Tracks() []webrtc.TrackLocal {
	out := []webrtc.TrackLocal{s.Audio}
	for _, l := range s.Layers {
		out = append(out, l)
	}
	return out
}

// Bind reads the negotiated mid and rid extensions of the video sender (call it after
// Publish); until then packets carry none and the SFU cannot tell the layers apart.
func (s *SimulcastSource) Bind(pc *webrtc.PeerConnection, video *webrtc.RTPSender) error {
	e := &layerExt{}
	for _, h := range video.GetParameters().HeaderExtensions {
		switch h.URI {
		case sdp.SDESMidURI:
			e.midID = uint8(h.ID)
		case sdp.SDESRTPStreamIDURI:
			e.ridID = uint8(h.ID)
		}
	}
	for _, tr := range pc.GetTransceivers() {
		if tr.Sender() == video {
			e.mid = tr.Mid()
		}
	}
	if e.midID == 0 || e.ridID == 0 || e.mid == "" {
		return fmt.Errorf("simulcast: mid or rid extension not negotiated")
	}
	s.ext.Store(e)
	return nil
}

// RequestKeyframe makes the next frame of the layer with this rid a key frame.
func (s *SimulcastSource) RequestKeyframe(rid string) {
	for i, l := range s.Layers {
		if l.RID() == rid {
			s.key[i].Store(true)
		}
	}
}

// Frames returns how many frames the source sent of the layer with this rid.
func (s *SimulcastSource) Frames(rid string) int64 {
	for i, l := range s.Layers {
		if l.RID() == rid {
			return s.frames[i].Load()
		}
	}
	return 0
}

// Run sends audio every 20 ms and a frame of every layer at fps until ctx ends.
func (s *SimulcastSource) Run(ctx context.Context, fps int) {
	vt := time.NewTicker(time.Second / time.Duration(fps))
	defer vt.Stop()
	at := time.NewTicker(20 * time.Millisecond)
	defer at.Stop()
	buf := make([]byte, videoPacketSize)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-at.C:
			s.audio.sendAudio(now, buf[:audioPacketSize])
		case now := <-vt.C:
			for i := range s.Layers {
				s.sendLayerFrame(i, now, s.rates[i]/8/fps, buf)
			}
		}
	}
}

func (s *SimulcastSource) sendLayerFrame(i int, now time.Time, frameBytes int, buf []byte) {
	e := s.ext.Load()
	rid := s.Layers[i].RID()
	defer s.frames[i].Add(1)
	writeFrame(now, s.key[i].Swap(false), frameBytes, buf, &s.seq[i], true, func(p *rtp.Packet) {
		if e != nil {
			_ = p.Header.SetExtension(e.midID, []byte(e.mid))
			_ = p.Header.SetExtension(e.ridID, []byte(rid))
		}
		_ = s.Layers[i].WriteRTP(p)
	})
}
