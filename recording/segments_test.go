package recording

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/signaling"
)

// split returns the sends before ms and from ms on, the later ones shifted to start at 0.
func split(s []mediatest.Send, ms int64) (before, after []mediatest.Send) {
	for _, x := range s {
		if x.At < ms {
			before = append(before, x)
		} else {
			x.At -= ms
			after = append(after, x)
		}
	}
	return before, after
}

func sortedByStart(recs []agreement.Recording) []agreement.Recording {
	slices.SortFunc(recs, func(a, b agreement.Recording) int { return a.StartedAt.Compare(b.StartedAt) })
	return recs
}

func TestReconnectStartsNewSegment(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 6, GOP: 30})
	g := newRig(t, nil)
	sends := mediatest.Packetize(src, rand.New(rand.NewPCG(5, 6)))
	first, second := split(sends, 3000)
	base := g.clock.Now()
	a1, v1 := g.publish("ag1", "p1", "s1", nil)
	g.feed(base, first, a1, v1)
	_, _ = a1.Close(), v1.Close()
	// The new connection's packets continue the same stream: same SSRCs and sequence.
	a2, v2 := g.publish("ag1", "p1", "s2", nil)
	g.feed(base.Add(3*time.Second), second, a2, v2)
	_, _ = a2.Close(), v2.Close()
	recs := sortedByStart(g.waitUploaded("ag1", 2))
	if len(recs) != 2 {
		t.Fatalf("%d segments, want 2", len(recs))
	}
	for i, r := range recs {
		p := ffprobe(t, g.download(r))
		if d := p.duration() - 3*time.Second; d < -200*time.Millisecond || d > 200*time.Millisecond {
			t.Errorf("segment %d lasts %v, want 3s", i, p.duration())
		}
		if len(p.Streams) != 2 {
			t.Errorf("segment %d has %d streams", i, len(p.Streams))
		}
	}
	if gap := recs[1].StartedAt.Sub(recs[0].StartedAt); gap < 2900*time.Millisecond || gap > 3100*time.Millisecond {
		t.Errorf("second segment starts %v after the first, want 3s", gap)
	}
}

func TestLateTrackRollsSegment(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 8, GOP: 30})
	g := newRig(t, nil)
	var sends []mediatest.Send
	for _, s := range mediatest.Packetize(src, rand.New(rand.NewPCG(8, 9))) {
		if !s.Video || s.At >= 5000 { // the camera comes on at 5 s
			sends = append(sends, s)
		}
	}
	base := g.clock.Now()
	audio, video := g.publish("ag1", "p1", "s1", nil)
	g.feed(base, sends, audio, video)
	_, _ = audio.Close(), video.Close()
	recs := sortedByStart(g.waitUploaded("ag1", 2))
	if len(recs) != 2 {
		t.Fatalf("%d segments, want 2: %+v", len(recs), recs)
	}
	if !slices.Equal(recs[0].Kinds, []string{"audio"}) || len(recs[1].Kinds) != 2 {
		t.Errorf("kinds %v then %v, want audio then audio and video", recs[0].Kinds, recs[1].Kinds)
	}
	p0, p1 := ffprobe(t, g.download(recs[0])), ffprobe(t, g.download(recs[1]))
	total := p0.frames("audio") + p1.frames("audio")
	if _, na := counts(src); total != na {
		t.Errorf("audio frames %d + %d, want %d (none lost across the roll)", p0.frames("audio"), p1.frames("audio"), na)
	}
	if d := p0.duration() + p1.duration() - 8*time.Second; d < -300*time.Millisecond || d > 300*time.Millisecond {
		t.Errorf("durations %v + %v, want 8s", p0.duration(), p1.duration())
	}
}

func TestScreenShareHasItsOwnFile(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 3, GOP: 30})
	g := newRig(t, nil)
	sends := mediatest.Packetize(src, rand.New(rand.NewPCG(1, 1)))
	audio, video := g.publish("ag1", "p1", "s1", nil)
	screen, err := g.rec.StartTrack(signaling.SinkTrack{AgreementID: "ag1", ParticipantID: "p1", SessionID: "s1",
		TrackID: "p1/screen", Source: "screen", Kind: "video", MimeType: "video/VP8", ClockRate: 90000})
	if err != nil {
		t.Fatal(err)
	}
	var videoOnly []mediatest.Send
	for _, s := range sends {
		if s.Video {
			videoOnly = append(videoOnly, s)
		}
	}
	base := g.clock.Now()
	g.feed(base, sends, audio, video)
	g.feed(base, videoOnly, nil, screen)
	_, _, _ = audio.Close(), video.Close(), screen.Close()
	recs := g.waitUploaded("ag1", 2)
	sources := map[string][]string{}
	for _, r := range recs {
		sources[r.Source] = r.Kinds
	}
	if len(recs) != 2 || len(sources["camera"]) != 2 || !slices.Equal(sources["screen"], []string{"video"}) {
		t.Errorf("segments %+v, want camera (audio, video) and screen (video)", recs)
	}
}

func TestStartFromSenderReports(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 3, GOP: 30})
	for _, tc := range []struct {
		name      string
		offset    time.Duration // sender clock minus arrival
		wantClock string
	}{
		{"sender clock 80ms behind arrival", -80 * time.Millisecond, "rtcp-sr"},
		{"sender clock 10s off", 10 * time.Second, "arrival"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newRig(t, nil)
			sends := mediatest.Packetize(src, rand.New(rand.NewPCG(2, 3)))
			audio, video := g.publish("ag1", "p1", "s1", nil)
			base := g.clock.Now()
			first, rest := split(sends, 1000)
			g.feed(base, first, audio, video)
			for _, s := range first { // a report for each track, at its last packet
				w := audio
				if s.Video {
					w = video
				}
				senderReport(w, s.Pkt.SSRC, base.Add(time.Duration(s.At)*time.Millisecond+tc.offset), s.Pkt.Timestamp)
			}
			g.feed(base.Add(time.Second), rest, audio, video)
			_, _ = audio.Close(), video.Close()
			recs := g.waitUploaded("ag1", 1)
			r := recs[0]
			want := base
			if tc.wantClock == "rtcp-sr" {
				want = base.Add(tc.offset)
			}
			if r.Clock != tc.wantClock || r.StartedAt.Sub(want).Abs() > 2*time.Millisecond {
				t.Errorf("start %v from %s, want %v from %s", r.StartedAt, r.Clock, want, tc.wantClock)
			}
		})
	}
}
