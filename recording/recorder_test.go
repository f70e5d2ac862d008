package recording

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/signroom/signroom/internal/mediatest"
)

// counts are the frames of each kind in a source.
func counts(frames []mediatest.Frame) (video, audio int) {
	for _, f := range frames {
		if f.Video {
			video++
		} else {
			audio++
		}
	}
	return video, audio
}

// checkFile runs ffprobe and ffmpeg on an uploaded segment and checks the streams,
// duration and frame counts.
func checkFile(t *testing.T, path string, wantDur time.Duration, wantVideo, wantAudio int) {
	t.Helper()
	p := ffprobe(t, path)
	wantStreams := 0
	for _, n := range []int{wantVideo, wantAudio} {
		if n >= 0 {
			wantStreams++
		}
	}
	if len(p.Streams) != wantStreams {
		t.Errorf("%d streams, want %d: %+v", len(p.Streams), wantStreams, p.Streams)
	}
	if d := p.duration() - wantDur; d < -200*time.Millisecond || d > 200*time.Millisecond {
		t.Errorf("duration %v, want %v ± 200ms", p.duration(), wantDur)
	}
	if got := p.frames("video"); got != wantVideo {
		t.Errorf("video frames %d, want %d", got, wantVideo)
	}
	if got := p.frames("audio"); got != wantAudio {
		t.Errorf("audio frames %d, want %d", got, wantAudio)
	}
	if out := decodeErrors(t, path); out != "" {
		t.Errorf("ffmpeg -v error printed: %s", out)
	}
}

func TestRecordCleanStream(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 6, GOP: 30})
	g := newRig(t, nil)
	kf := &kfCounter{}
	audio, video := g.publish("ag1", "p1", "s1", kf)
	base := g.clock.Now()
	sends := mediatest.Packetize(src, rand.New(rand.NewPCG(1, 2)))
	g.feed(base, sends, audio, video)
	_ = audio.Close()
	_ = video.Close()
	recs := g.waitUploaded("ag1", 1)
	if len(recs) != 1 {
		t.Fatalf("%d segments, want 1: %+v", len(recs), recs)
	}
	r := recs[0]
	nv, na := counts(src)
	checkFile(t, g.download(r), 6*time.Second, nv, na)
	if r.Size == 0 || len(r.SHA256) != 64 || r.Clock != "arrival" || !r.StartedAt.Equal(base) {
		t.Errorf("segment metadata %+v", r)
	}
	if kf.n.Load() == 0 {
		t.Error("no keyframe request at the start")
	}
}

// frameIndexAt returns the index of the first source video frame at or after ms.
func frameIndexAt(src []mediatest.Frame, ms int64) int {
	i := 0
	for _, f := range src {
		if f.Video {
			if f.MS >= ms {
				return i
			}
			i++
		}
	}
	return i
}

// dropVideoPacket removes the second packet of video frame n, or its only packet.
func dropVideoPacket(sends []mediatest.Send, n int) []mediatest.Send {
	idx := -1
	for i, s := range sends {
		if s.Video && s.Frame == n {
			idx = i
			if i+1 < len(sends) && sends[i+1].Video && sends[i+1].Frame == n {
				idx = i + 1
			}
			break
		}
	}
	return append(sends[:idx:idx], sends[idx+1:]...)
}

func TestRecordBadInput(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 6, GOP: 30})
	nv, na := counts(src)
	const gop = 30
	var keys []int // indexes of the source's video key frames
	for i, f := range videoFrames(src) {
		if f.Key {
			keys = append(keys, i)
		}
	}
	untilKey := func(n int) int { // frames from n to the next key frame
		for _, k := range keys {
			if k > n {
				return k - n
			}
		}
		return nv - n
	}
	tests := []struct {
		name       string
		mangle     func([]mediatest.Send) []mediatest.Send
		video      int // -1: no video stream
		audio      int
		wantLosses bool
	}{
		{"lost packets", func(s []mediatest.Send) []mediatest.Send {
			s = dropVideoPacket(s, 40)
			s = dropVideoPacket(s, 100)
			var out []mediatest.Send
			for _, x := range s {
				if !x.Video && x.Frame%50 == 25 { // 6 audio packets
					continue
				}
				out = append(out, x)
			}
			return out
		}, nv - untilKey(40) - untilKey(100), na - 6, true},
		{"retransmission within the jitter delay", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if s[i].Video && s[i].Frame == 40 {
					s[i].At += 300 // arrives 300 ms late, after later packets
					break
				}
			}
			return sortByArrival(s)
		}, nv, na, false},
		{"audio delayed 1.5 s behind video", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if !s[i].Video && s[i].At >= 2000 { // a queue builds up on the audio's path
					s[i].At += 1500
				}
			}
			return sortByArrival(s)
		}, nv, na, false},
		{"duplicates", func(s []mediatest.Send) []mediatest.Send {
			var out []mediatest.Send
			for i, x := range s {
				out = append(out, x)
				if i%7 == 0 {
					out = append(out, x)
				}
				if i%11 == 0 && i > 40 {
					out = append(out, s[i-40]) // an old duplicate
				}
			}
			return out
		}, nv, na, false},
		{"reordered", func(s []mediatest.Send) []mediatest.Send {
			r := rand.New(rand.NewPCG(7, 7))
			for i := 0; i+4 <= len(s); i += 4 {
				r.Shuffle(4, func(a, b int) { s[i+a], s[i+b] = s[i+b], s[i+a] })
			}
			return s
		}, nv, na, false},
		{"SSRC change", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if s[i].At >= 3100 {
					s[i].Pkt.SSRC ^= 0x5a5a5a5a
					s[i].Pkt.SequenceNumber += 20000
					s[i].Pkt.Timestamp += 123456789
				}
			}
			return s
		}, nv - untilKey(frameIndexAt(src, 3100)), na, true},
		{"timestamp jump", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if s[i].At >= 3100 {
					s[i].Pkt.Timestamp += 1_000_000_000
				}
			}
			return s
		}, nv, na, false},
		{"no key frame", func(s []mediatest.Send) []mediatest.Send {
			var out []mediatest.Send
			for _, x := range s {
				if !x.Video || !slices.Contains(keys, x.Frame) {
					out = append(out, x)
				}
			}
			return out
		}, -1, na, false},
		{"oversized packet", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if s[i].Video && s[i].Frame == 40 {
					s[i].Pkt.Payload = append(make([]byte, 0, 3000), s[i].Pkt.Payload...)[:3000]
					break
				}
			}
			return s
		}, nv - untilKey(40), na, true},
		{"malformed VP8 descriptor", func(s []mediatest.Send) []mediatest.Send {
			for i := range s {
				if s[i].Video && s[i].Frame == 70 {
					s[i].Pkt.Payload = []byte{0x90}
					break
				}
			}
			return s
		}, nv - untilKey(70), na, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newRig(t, nil)
			kf := &kfCounter{}
			audio, video := g.publish("ag1", "p1", "s1", kf)
			sends := tc.mangle(mediatest.Packetize(src, rand.New(rand.NewPCG(3, 4))))
			g.feed(g.clock.Now(), sends, audio, video)
			_ = audio.Close()
			_ = video.Close()
			recs := g.waitUploaded("ag1", 1)
			if len(recs) != 1 {
				t.Fatalf("%d segments, want 1: %+v", len(recs), recs)
			}
			checkFile(t, g.download(recs[0]), 6*time.Second, tc.video, tc.audio)
			if tc.wantLosses && kf.n.Load() < 2 {
				t.Errorf("%d keyframe requests, want one at the start and one after the loss", kf.n.Load())
			}
		})
	}
}

func videoFrames(src []mediatest.Frame) []mediatest.Frame {
	var out []mediatest.Frame
	for _, f := range src {
		if f.Video {
			out = append(out, f)
		}
	}
	return out
}

func sortByArrival(s []mediatest.Send) []mediatest.Send {
	slices.SortStableFunc(s, func(a, b mediatest.Send) int { return int(a.At - b.At) })
	return s
}
