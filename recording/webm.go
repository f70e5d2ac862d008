package recording

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// Track numbers are fixed: a segment's audio is track 1 and its video track 2.
const (
	audioTrack uint64 = 1
	videoTrack uint64 = 2
)

const (
	headerReserve      = 128  // bytes of Void after Info, for the SeekHead and Duration added at the end
	clusterMinMillis   = 1000 // a video key frame starts a new cluster once the cluster is this old
	clusterMaxMillis   = 5000 // and any block does once it is this old
	muxingApp          = "signroom"
	opusSeekPreRollNs  = 80_000_000
	elementIDCluster   = 0x1F43B675
	elementIDSegment   = 0x18538067
	unknownSizeMarker8 = 0x01FFFFFFFFFFFFFF
)

// trackSpec describes a track of a segment file.
type trackSpec struct {
	number        uint64
	width, height int // video
}

// webmMuxer writes a live-style WebM (as browsers' MediaRecorder does): the Segment and
// each Cluster have unknown sizes, so the file is playable up to its last complete block
// whenever it is cut off. Output collects in out, whole elements only, until the caller
// writes it to the file; finalizeWebM adds the Cues and Duration once the file is complete.
type webmMuxer struct {
	out       bytes.Buffer
	offset    int64 // file offset of out's first byte
	clusterTC int64 // timecode (ms) of the open cluster; -1 before the first
	hasVideo  bool
	spare     []byte // the buffer out does not use, between take and recycle
	lastTC    map[uint64]int64
	frames    map[uint64]int64
}

// elementIDs of ebml-go's element table, used when writing headers by hand.
func writeID(b *bytes.Buffer, id uint32) {
	var buf [4]byte
	binary.BigEndian.PutUint32(buf[:], id)
	i := 0
	for i < 3 && buf[i] == 0 {
		i++
	}
	b.Write(buf[i:])
}

// newWebMMuxer writes the EBML header, the Segment header, Info (with the segment's start
// as DateUTC), the reserved Void and Tracks.
func newWebMMuxer(start time.Time, tracks []trackSpec) (*webmMuxer, error) {
	m := &webmMuxer{clusterTC: -1, lastTC: map[uint64]int64{}, frames: map[uint64]int64{}}
	hdr := struct {
		Header webm.EBMLHeader `ebml:"EBML"`
	}{*webm.DefaultEBMLHeader}
	if err := ebml.Marshal(&hdr, &m.out); err != nil {
		return nil, fmt.Errorf("webm header: %w", err)
	}
	writeID(&m.out, elementIDSegment)
	_ = binary.Write(&m.out, binary.BigEndian, uint64(unknownSizeMarker8))
	if err := marshalInfo(&m.out, start, 0); err != nil {
		return nil, err
	}
	m.out.Write(voidElement(headerReserve))
	entries := make([]trackEntry, 0, len(tracks))
	for _, t := range tracks {
		entries = append(entries, newTrackEntry(t))
		m.hasVideo = m.hasVideo || t.number == videoTrack
	}
	tr := struct {
		Tracks struct {
			TrackEntry []trackEntry `ebml:"TrackEntry"`
		} `ebml:"Tracks"`
	}{}
	tr.Tracks.TrackEntry = entries
	if err := ebml.Marshal(&tr, &m.out); err != nil {
		return nil, fmt.Errorf("webm tracks: %w", err)
	}
	return m, nil
}

// info is the Segment Info element; Duration is set only when the file is finalized.
type info struct {
	TimecodeScale uint64    `ebml:"TimecodeScale"`
	MuxingApp     string    `ebml:"MuxingApp"`
	WritingApp    string    `ebml:"WritingApp"`
	Duration      float64   `ebml:"Duration,omitempty"`
	DateUTC       time.Time `ebml:"DateUTC"`
}

func marshalInfo(b *bytes.Buffer, start time.Time, durationMs float64) error {
	v := struct {
		Info info `ebml:"Info"`
	}{info{TimecodeScale: 1_000_000, MuxingApp: muxingApp, WritingApp: muxingApp, Duration: durationMs, DateUTC: start.UTC()}}
	if err := ebml.Marshal(&v, b); err != nil {
		return fmt.Errorf("webm info: %w", err)
	}
	return nil
}

type trackEntry struct {
	TrackNumber  uint64      `ebml:"TrackNumber"`
	TrackUID     uint64      `ebml:"TrackUID"`
	TrackType    uint64      `ebml:"TrackType"`
	FlagLacing   uint64      `ebml:"FlagLacing"`
	CodecID      string      `ebml:"CodecID"`
	CodecPrivate []byte      `ebml:"CodecPrivate,omitempty"`
	SeekPreRoll  uint64      `ebml:"SeekPreRoll,omitempty"`
	Audio        *webm.Audio `ebml:"Audio,omitempty"`
	Video        *webm.Video `ebml:"Video,omitempty"`
}

func newTrackEntry(t trackSpec) trackEntry {
	var uid [8]byte
	_, _ = rand.Read(uid[:])
	e := trackEntry{TrackNumber: t.number, TrackUID: binary.BigEndian.Uint64(uid[:])>>1 | 1}
	if t.number == audioTrack {
		e.TrackType, e.CodecID, e.CodecPrivate, e.SeekPreRoll = 2, "A_OPUS", opusHead(), opusSeekPreRollNs
		e.Audio = &webm.Audio{SamplingFrequency: 48000, Channels: 2}
		return e
	}
	e.TrackType, e.CodecID = 1, "V_VP8"
	e.Video = &webm.Video{PixelWidth: uint64(t.width), PixelHeight: uint64(t.height)}
	return e
}

// opusHead is the Opus identification header (RFC 7845 §5.1) WebM carries as CodecPrivate:
// two channels (WebRTC negotiates opus/48000/2), no pre-skip, 48 kHz, no gain, family 0.
func opusHead() []byte {
	h := []byte("OpusHead\x01\x02\x00\x00\x80\xbb\x00\x00\x00\x00\x00")
	return h
}

// voidElement returns an EBML Void element of exactly n bytes (2 ≤ n ≤ 16385).
func voidElement(n int) []byte {
	b := make([]byte, n)
	b[0] = 0xEC
	if n-2 <= 126 {
		b[1] = 0x80 | byte(n-2)
		return b
	}
	size := n - 3
	b[1], b[2] = 0x40|byte(size>>8), byte(size)
	return b
}

// block adds a frame at t milliseconds from the segment start. A frame earlier than its
// track's last one is written at the same time as that one (a track's block times never go
// back). A frame older than the open cluster gets a negative relative time, which the
// format allows; one more than 32 s older is dropped (false).
func (m *webmMuxer) block(track uint64, t int64, key bool, data []byte) (bool, error) {
	if last, ok := m.lastTC[track]; ok && t < last {
		t = last
	}
	if m.clusterTC >= 0 && t-m.clusterTC < math.MinInt16 {
		return false, nil
	}
	if m.newCluster(track, t, key) {
		if err := m.startCluster(t); err != nil {
			return false, err
		}
	}
	writeSimpleBlock(&m.out, track, int16(t-m.clusterTC), key, data)
	m.lastTC[track] = t
	m.frames[track]++
	return true, nil
}

// writeSimpleBlock writes a SimpleBlock element (Matroska, ID 0xA3) of one frame without
// lacing: the track number (1 or 2, one byte), the time relative to the cluster, the flags
// (0x80: key frame) and the frame. It is written by hand, not with ebml.Marshal: it runs for
// every frame, and reflection made it the recorder's largest cost.
func writeSimpleBlock(b *bytes.Buffer, track uint64, tc int16, key bool, data []byte) {
	var hdr [1 + 8 + 4]byte
	hdr[0] = 0xA3
	n := 1 + putSize(hdr[1:], uint64(4+len(data)))
	flags := byte(0)
	if key {
		flags = 0x80
	}
	hdr[n], hdr[n+1], hdr[n+2], hdr[n+3] = 0x80|byte(track), byte(uint16(tc)>>8), byte(tc), flags
	b.Write(hdr[:n+4])
	b.Write(data)
}

// putSize writes an EBML element size as the shortest variable-length integer that holds
// it (the all-ones value of each length means "unknown", so it is avoided) and returns its
// length in bytes.
func putSize(b []byte, size uint64) int {
	n := 1
	for n < 8 && size >= 1<<(7*n)-1 {
		n++
	}
	v := size | 1<<(7*n)
	for i := range n {
		b[i] = byte(v >> (8 * (n - 1 - i)))
	}
	return n
}

func (m *webmMuxer) newCluster(track uint64, t int64, key bool) bool {
	age := t - m.clusterTC
	switch {
	case age < 0:
		return false
	case m.clusterTC < 0 || age >= clusterMaxMillis:
		return true
	case m.hasVideo:
		return track == videoTrack && key && age >= clusterMinMillis
	}
	return false
}

func (m *webmMuxer) startCluster(t int64) error {
	c := struct {
		Cluster struct {
			Timecode uint64 `ebml:"Timecode"`
		} `ebml:"Cluster,size=unknown"`
	}{}
	c.Cluster.Timecode = uint64(t)
	if err := ebml.Marshal(&c, &m.out); err != nil {
		return fmt.Errorf("webm cluster: %w", err)
	}
	m.clusterTC = t
	return nil
}

// take returns the bytes collected since the last call and advances the file offset. The
// caller owns them until it hands them back with recycle; out goes on in the other buffer,
// so a flush copies nothing.
func (m *webmMuxer) take() []byte {
	b := m.out.Bytes()
	m.offset += int64(len(b))
	m.out = *bytes.NewBuffer(m.spare[:0])
	m.spare = nil
	return b
}

// maxSpare is the largest buffer kept for the next take: a flush that waited long (a stalled
// disk) does not leave its buffer held for the rest of the segment.
const maxSpare = 1 << 20

// recycle hands back a buffer take returned, for the next take to collect into.
func (m *webmMuxer) recycle(b []byte) {
	if cap(b) <= maxSpare {
		m.spare = b[:0]
	}
}
