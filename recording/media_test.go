package recording

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
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

// needTool fails the test when CI=true and the tool is missing, and skips it elsewhere.
func needTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required (Debian package ffmpeg; .ci/run installs it)", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// srcFrame is one frame of the ffmpeg-made source file.
type srcFrame struct {
	video bool
	ms    int64 // presentation time in the source
	key   bool
	data  []byte
}

// mediaSpec says what ffmpeg makes: seconds of 320x240 VP8 at 30 fps with a key frame
// every gop frames, and 20 ms Opus frames of a 440 Hz tone.
type mediaSpec struct {
	seconds float64
	gop     int
	// markAt > 0 makes a sync mark instead of the tone: silence with a 200 ms 1 kHz burst
	// at markAt seconds, and video key frames only at the start and at markAt.
	markAt float64
}

var mediaCache sync.Map // mediaSpec -> []srcFrame

// sourceMedia makes (once per spec) a WebM with ffmpeg and returns its frames.
func sourceMedia(t testing.TB, spec mediaSpec) []srcFrame {
	t.Helper()
	needTool(t, "ffmpeg")
	if v, ok := mediaCache.Load(spec); ok {
		return v.([]srcFrame)
	}
	out := filepath.Join(t.TempDir(), "src.webm")
	secs := strconv.FormatFloat(spec.seconds, 'f', 3, 64)
	audio, gop, keys := "sine=frequency=440:sample_rate=48000", strconv.Itoa(spec.gop), []string{}
	if spec.markAt > 0 {
		m := strconv.FormatFloat(spec.markAt, 'f', 3, 64)
		audio = "sine=frequency=1000:sample_rate=48000,volume='if(between(t," + m + "," + m + "+0.2),1,0)':eval=frame"
		gop, keys = "100000", []string{"-force_key_frames", m}
	}
	args := []string{"-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", audio,
		"-t", secs, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-g", gop, "-keyint_min", gop}
	args = append(append(args, keys...), "-b:v", "300k", "-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", out)
	if b, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	frames := readWebMFrames(t, out)
	mediaCache.Store(spec, frames)
	return frames
}

// readWebMFrames reads every block of a WebM with ebml-go (video is the VP8 track).
func readWebMFrames(t testing.TB, path string) []srcFrame {
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
	var out []srcFrame
	for _, c := range doc.Segment.Cluster {
		blocks := c.SimpleBlock
		for _, g := range c.BlockGroup {
			blocks = append(blocks, g.Block...)
		}
		for _, bl := range blocks {
			video := bl.TrackNumber == videoNum
			out = append(out, srcFrame{video: video, ms: int64(c.Timecode) + int64(bl.Timecode),
				key: !video || vp8Keyframe(bl.Data[0]), data: bl.Data[0]})
		}
	}
	slices.SortStableFunc(out, func(a, b srcFrame) int { return int(a.ms - b.ms) })
	return out
}

// rtpSend is one packet and when it is handed to the recorder (ms after the start).
type rtpSend struct {
	video bool
	at    int64
	pkt   rtp.Packet
	frame int // index of the source frame of its kind
}

// packetize turns source frames into RTP packets as a WebRTC sender would: VP8 split at
// 1100 bytes, one Opus frame per packet, random SSRCs, sequence numbers and timestamps.
func packetize(frames []srcFrame, rng *rand.Rand) []rtpSend {
	vp := &codecs.VP8Payloader{EnablePictureID: true}
	vssrc, assrc := rng.Uint32(), rng.Uint32()
	vseq, aseq := uint16(rng.Uint32()), uint16(rng.Uint32())
	vts, ats := rng.Uint32(), rng.Uint32()
	var out []rtpSend
	vi, ai := 0, 0
	for _, f := range frames {
		at := max(0, f.ms)
		if !f.video {
			out = append(out, rtpSend{at: at, frame: ai, pkt: rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111,
				SequenceNumber: aseq, Timestamp: ats + uint32(f.ms*48), SSRC: assrc, Marker: ai == 0}, Payload: f.data}})
			aseq++
			ai++
			continue
		}
		parts := vp.Payload(1100, f.data)
		for i, p := range parts {
			out = append(out, rtpSend{video: true, at: at, frame: vi, pkt: rtp.Packet{Header: rtp.Header{Version: 2,
				PayloadType: 96, SequenceNumber: vseq, Timestamp: vts + uint32(f.ms*90), SSRC: vssrc,
				Marker: i == len(parts)-1}, Payload: p}})
			vseq++
		}
		vi++
	}
	return out
}

// probe is what ffprobe says about a file.
type probe struct {
	Streams []struct {
		CodecName string `json:"codec_name"`
		CodecType string `json:"codec_type"`
		Frames    string `json:"nb_read_frames"`
		Width     int    `json:"width"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
	} `json:"format"`
}

func (p probe) duration() time.Duration {
	f, _ := strconv.ParseFloat(p.Format.Duration, 64)
	return time.Duration(f * float64(time.Second))
}

func (p probe) frames(kind string) int {
	for _, s := range p.Streams {
		if s.CodecType == kind {
			n, _ := strconv.Atoi(s.Frames)
			return n
		}
	}
	return -1
}

func ffprobe(t testing.TB, path string) probe {
	t.Helper()
	needTool(t, "ffprobe")
	out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-show_entries",
		"stream=codec_name,codec_type,nb_read_frames,width:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe output: %v\n%s", err, out)
	}
	return p
}

// decodeErrors runs `ffmpeg -v error -i F -f null -` and returns what it printed.
func decodeErrors(t testing.TB, path string) string {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out) + " " + err.Error())
	}
	return strings.TrimSpace(string(out))
}
