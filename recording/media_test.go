package recording

import (
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/mediatest"
)

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
	mediatest.NeedTool(t, "ffprobe")
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
