package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Synthetic media. Every packet carries its send time (unix nanoseconds,
// big-endian) so receivers can measure one-way delay on one machine:
//
//	VP8:  payload descriptor (1 byte: 0x10 starts a frame, 0x00 continues),
//	      on a frame's first packet one VP8 header byte (0x00 key frame,
//	      0x01 inter frame), then 8 bytes send time, then padding.
//	Opus: 8 bytes send time, then padding.
const (
	videoPacketSize = 1100
	audioPacketSize = 80
)

// MediaConfig sets the synthetic stream's shape.
type MediaConfig struct {
	VideoBitrate     int           // bits per second; default 500k
	FPS              int           // default 30
	KeyframeInterval time.Duration // 0: key frames only at start and on request
	AudioLevel       uint8         // -dBov written when AudioLevelExt is set; 127 is silence
	AudioLevelExt    uint8         // negotiated extension id, 0 for none
}

// Source publishes a synthetic VP8 video and Opus audio track.
type Source struct {
	Audio, Video *webrtc.TrackLocalStaticRTP
	keyframe     atomic.Bool
	levelExt     atomic.Uint32
	level        atomic.Uint32
	vseq, aseq   uint16
	sent         atomic.Int64
}

// Sent returns how many packets the source has written.
func (s *Source) Sent() int64 { return s.sent.Load() }

// NewSource creates the two tracks; streamID groups them for lip sync.
func NewSource(streamID string) (*Source, error) {
	a, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus,
		ClockRate: 48000, Channels: 2}, "audio", streamID)
	if err != nil {
		return nil, fmt.Errorf("audio track: %w", err)
	}
	v, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8,
		ClockRate: 90000}, "video", streamID)
	if err != nil {
		return nil, fmt.Errorf("video track: %w", err)
	}
	s := &Source{Audio: a, Video: v}
	s.keyframe.Store(true)
	s.level.Store(127)
	return s, nil
}

// RequestKeyframe makes the next video frame a key frame (call it on PLI).
func (s *Source) RequestKeyframe() { s.keyframe.Store(true) }

// SetAudioLevel sets the level written in the audio level extension id ext.
func (s *Source) SetAudioLevel(ext, level uint8) {
	s.levelExt.Store(uint32(ext))
	s.level.Store(uint32(level))
}

// Run sends media until ctx ends.
func (s *Source) Run(ctx context.Context, cfg MediaConfig) {
	if cfg.VideoBitrate <= 0 {
		cfg.VideoBitrate = 500_000
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 30
	}
	vt := time.NewTicker(time.Second / time.Duration(cfg.FPS))
	defer vt.Stop()
	at := time.NewTicker(20 * time.Millisecond)
	defer at.Stop()
	lastKey := time.Now()
	buf := make([]byte, videoPacketSize)
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-at.C:
			s.sendAudio(now, buf[:audioPacketSize])
		case now := <-vt.C:
			if cfg.KeyframeInterval > 0 && now.Sub(lastKey) >= cfg.KeyframeInterval {
				s.keyframe.Store(true)
			}
			key := s.keyframe.Swap(false)
			if key {
				lastKey = now
			}
			s.sendFrame(now, key, cfg.VideoBitrate/8/cfg.FPS, buf)
		}
	}
}

func (s *Source) sendAudio(now time.Time, payload []byte) {
	binary.BigEndian.PutUint64(payload, uint64(now.UnixNano()))
	s.aseq++
	p := rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: s.aseq,
		Timestamp: uint32(now.UnixMilli() * 48)}, Payload: payload}
	if ext := uint8(s.levelExt.Load()); ext != 0 {
		_ = p.Header.SetExtension(ext, []byte{0x80 | uint8(s.level.Load())})
	}
	_ = s.Audio.WriteRTP(&p)
	s.sent.Add(1)
}

func (s *Source) sendFrame(now time.Time, key bool, frameBytes int, buf []byte) {
	writeFrame(now, key, frameBytes, buf, &s.vseq, false, func(p *rtp.Packet) {
		_ = s.Video.WriteRTP(p)
		s.sent.Add(1)
	})
}

// writeFrame packetizes one synthetic frame (a key frame is three times frameBytes),
// numbering its packets from *seq, and hands each to write. Packets are videoPacketSize
// bytes, or with exact the frame's bytes spread evenly over them.
func writeFrame(now time.Time, key bool, frameBytes int, buf []byte, seq *uint16, exact bool, write func(*rtp.Packet)) {
	if key {
		frameBytes *= 3
	}
	n := max(1, (frameBytes+videoPacketSize-1)/videoPacketSize)
	size := videoPacketSize
	if exact {
		size = max(32, (frameBytes+n-1)/n)
	}
	ts := uint32(now.UnixMilli() * 90)
	for i := range n {
		b := buf[:size]
		off := 1
		b[0] = 0x00
		if i == 0 {
			b[0], b[1], off = 0x10, 0x01, 2
			if key { // a VP8 key frame header (RFC 6386 §9.1), so recorders start on it
				b[1] = 0x00
				copy(b[2:], vp8KeyHeader)
				off = 2 + len(vp8KeyHeader)
			}
		}
		binary.BigEndian.PutUint64(b[off:], uint64(time.Now().UnixNano()))
		*seq++
		write(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: *seq, Timestamp: ts,
			Marker: i == n-1}, Payload: b})
	}
}

// vp8KeyHeader follows the first byte of a synthetic key frame's frame tag: the rest of the
// tag, the start code and a 640×360 size. The frame's data is not VP8; recorders only look
// at this header.
var vp8KeyHeader = []byte{0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01}

// SendTime extracts the send time from a synthetic payload.
func SendTime(video bool, payload []byte) (time.Time, bool) {
	off := 0
	if video {
		if len(payload) < 1 {
			return time.Time{}, false
		}
		off = 1
		if payload[0]&0x10 != 0 {
			off = 2
			if payload[1]&0x01 == 0 && bytes.HasPrefix(payload[2:], vp8KeyHeader) {
				off += len(vp8KeyHeader)
			}
		}
	}
	if len(payload) < off+8 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(payload[off:]))), true
}

// IsKeyframe reports whether a synthetic (or real) VP8 payload starts a key frame.
func IsKeyframe(payload []byte) bool {
	return len(payload) >= 2 && payload[0]&0x10 != 0 && payload[0]&0x07 == 0 && payload[1]&0x01 == 0
}
