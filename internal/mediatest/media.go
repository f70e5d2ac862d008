// Package mediatest makes real media for the recording tests: ffmpeg-made VP8 and Opus
// (Debian's ffmpeg), packetized as a WebRTC sender would, and finds a sync mark (a key frame
// and an audio burst) in a recorded WebM with ffprobe and ffmpeg.
package mediatest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// NeedTool fails the test when CI=true and the tool is missing, and skips it elsewhere.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required (Debian package ffmpeg; .ci/run installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// Frame is one frame of the ffmpeg-made source file.
type Frame struct {
	Video bool
	MS    int64 // presentation time in the source
	Key   bool
	Data  []byte
}

// Spec says what ffmpeg makes: Seconds of 320x240 VP8 at 30 fps with a key frame every GOP
// frames, and 20 ms Opus frames of a 440 Hz tone.
type Spec struct {
	Seconds float64
	GOP     int
	// MarkAt > 0 makes a sync mark instead of the tone: silence with a 200 ms 1 kHz burst
	// at MarkAt seconds, and video key frames only at the start and at MarkAt.
	MarkAt float64
}

var cache sync.Map // Spec -> []Frame

// Source makes (once per spec and process) a WebM with ffmpeg and returns its frames in
// presentation order.
func Source(t testing.TB, spec Spec) []Frame {
	t.Helper()
	NeedTool(t, "ffmpeg")
	if v, ok := cache.Load(spec); ok {
		return v.([]Frame)
	}
	out := filepath.Join(t.TempDir(), "src.webm")
	secs := strconv.FormatFloat(spec.Seconds, 'f', 3, 64)
	audio, gop, keys := "sine=frequency=440:sample_rate=48000", strconv.Itoa(spec.GOP), []string{}
	if spec.MarkAt > 0 {
		m := strconv.FormatFloat(spec.MarkAt, 'f', 3, 64)
		audio = "sine=frequency=1000:sample_rate=48000,volume='if(between(t," + m + "," + m + "+0.2),1,0)':eval=frame"
		gop, keys = "100000", []string{"-force_key_frames", m}
	}
	args := []string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", audio,
		"-t", secs, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", gop, "-keyint_min", gop}
	args = append(append(args, keys...), "-b:v", "300k", "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	frames := ReadWebM(t, out)
	cache.Store(spec, frames)
	return frames
}

// ReadWebM reads every block of a WebM with ebml-go (video is the VP8 track).
func ReadWebM(t testing.TB, path string) []Frame {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Segment struct {
			Tracks struct {
				TrackEntry []struct {
					TrackNumber uint64 `ebml:"TrackNumber"`
					CodecID     string `ebml:"CodecID"`
				} `ebml:"TrackEntry"`
			} `ebml:"Tracks"`
			Cluster []struct {
				Timecode    uint64       `ebml:"Timecode"`
				SimpleBlock []ebml.Block `ebml:"SimpleBlock"`
				BlockGroup  []struct {
					Block []ebml.Block `ebml:"Block"`
				} `ebml:"BlockGroup"`
			} `ebml:"Cluster"`
		} `ebml:"Segment"`
	}
	if err := ebml.Unmarshal(bytes.NewReader(b), &doc); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	videoNum := uint64(0)
	for _, te := range doc.Segment.Tracks.TrackEntry {
		if te.CodecID == "V_VP8" {
			videoNum = te.TrackNumber
		}
	}
	var out []Frame
	for _, c := range doc.Segment.Cluster {
		blocks := c.SimpleBlock
		for _, g := range c.BlockGroup {
			blocks = append(blocks, g.Block...)
		}
		for _, bl := range blocks {
			video := bl.TrackNumber == videoNum
			out = append(out, Frame{Video: video, MS: int64(c.Timecode) + int64(bl.Timecode),
				Key: !video || vp8Keyframe(bl.Data[0]), Data: bl.Data[0]})
		}
	}
	slices.SortStableFunc(out, func(a, b Frame) int { return int(a.MS - b.MS) })
	return out
}

// vp8Keyframe reports whether a VP8 frame is a key frame: its frame tag's key frame bit and
// the start code that follows (RFC 6386 §9.1).
func vp8Keyframe(f []byte) bool {
	return len(f) >= 10 && f[0]&0x01 == 0 && f[3] == 0x9d && f[4] == 0x01 && f[5] == 0x2a
}

// Send is one packet and when it is sent (At: ms after the start).
type Send struct {
	Video bool
	At    int64
	Pkt   rtp.Packet
	Frame int // index of the source frame of its kind
}

// Packetize turns source frames into RTP packets as a WebRTC sender would: VP8 split at
// 1100 bytes, one Opus frame per packet, random SSRCs, sequence numbers and timestamps.
func Packetize(frames []Frame, rng *rand.Rand) []Send {
	vp := &codecs.VP8Payloader{EnablePictureID: true}
	vssrc, assrc := rng.Uint32(), rng.Uint32()
	vseq, aseq := uint16(rng.Uint32()), uint16(rng.Uint32())
	vts, ats := rng.Uint32(), rng.Uint32()
	var out []Send
	vi, ai := 0, 0
	for _, f := range frames {
		at := max(0, f.MS)
		if !f.Video {
			out = append(out, Send{At: at, Frame: ai, Pkt: rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111,
				SequenceNumber: aseq, Timestamp: ats + uint32(f.MS*48), SSRC: assrc, Marker: ai == 0}, Payload: f.Data}})
			aseq++
			ai++
			continue
		}
		parts := vp.Payload(1100, f.Data)
		for i, p := range parts {
			out = append(out, Send{Video: true, At: at, Frame: vi, Pkt: rtp.Packet{Header: rtp.Header{Version: 2,
				PayloadType: 96, SequenceNumber: vseq, Timestamp: vts + uint32(f.MS*90), SSRC: vssrc,
				Marker: i == len(parts)-1}, Payload: p}})
			vseq++
		}
		vi++
	}
	return out
}

// BurstAt finds where the audio burst of a sync mark starts in a file, with ffmpeg's
// silencedetect.
func BurstAt(t testing.TB, path string) time.Duration {
	t.Helper()
	NeedTool(t, "ffmpeg")
	out, _ := exec.Command("ffmpeg", "-v", "info", "-i", path, "-af", "silencedetect=n=-30dB:d=0.1", "-vn", "-f", "null", "-").CombinedOutput()
	m := regexp.MustCompile(`silence_end: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no burst found in %s:\n%s", path, out)
	}
	return seconds(string(m[1]))
}

// KeyframesAt returns the times of a file's video key frames, from ffprobe.
func KeyframesAt(t testing.TB, path string) []time.Duration {
	t.Helper()
	NeedTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=pts_time,flags",
		"-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var keys []time.Duration
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		ts, flags, _ := strings.Cut(line, ",")
		if strings.HasPrefix(flags, "K") {
			keys = append(keys, seconds(ts))
		}
	}
	return keys
}

func seconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second))
}
