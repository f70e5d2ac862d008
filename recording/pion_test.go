package recording

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/signaling/client"
	"github.com/signroom/signroom/signaling/rtcapi"
	"github.com/signroom/signroom/storage/blob"
	"github.com/signroom/signroom/storage/blob/blobtest"
)

// admitAll admits any token "agreement/participant" as a venue that publishes.
type admitAll struct{}

func (admitAll) Admit(_ context.Context, agreementID, token string) (signaling.Admission, error) {
	ag, pid, ok := strings.Cut(token, "/")
	if !ok || ag != agreementID {
		return signaling.Admission{}, signaling.ErrNotAdmitted
	}
	return signaling.Admission{AgreementID: ag, ParticipantID: pid, TokenID: token, Name: pid, Role: "venue",
		Publish: true, Subscribe: true, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

// sfuRig is the SFU with a recorder uploading to MinIO, and pion peers to publish.
type sfuRig struct {
	t     *testing.T
	hub   *signaling.Hub
	srv   *httptest.Server
	api   *rtcapi.API
	store blob.Store
	cat   *memCatalog
	rec   *Recorder
}

func newSFURig(t *testing.T) *sfuRig {
	t.Helper()
	ctx := context.Background()
	buckets, err := blob.NewMinIO(ctx, blobtest.MinIO(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &sfuRig{t: t, store: buckets.Working, cat: &memCatalog{}}
	s.rec, err = New(Config{Dir: t.TempDir(), Store: s.store, Catalog: s.cat, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	s.hub, err = signaling.NewHub(signaling.Config{LoopbackOnly: true, Sink: s.rec, PLIInterval: 300 * time.Millisecond}, admitAll{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /api/agreements/{id}/ceremony/ws", s.hub.Handler())
	s.srv = httptest.NewServer(mux)
	if s.api, err = rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.hub.Close()
		_ = s.rec.Close(ctx)
		s.srv.Close()
		_ = s.api.Close()
	})
	return s
}

// publishPaced joins as participant pid, publishes VP8 and Opus tracks and sends the
// packets in real time from start, skipping those drop says to lose, then leaves.
func (s *sfuRig) publishPaced(ctx context.Context, ag, pid string, sends []mediatest.Send, start time.Time, drop func(mediatest.Send) bool) error {
	url := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/api/agreements/" + ag + "/ceremony/ws"
	c, err := client.Dial(ctx, url, ag+"/"+pid, client.Options{API: s.api.API})
	if err != nil {
		return err
	}
	defer c.Close()
	a, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", pid)
	if err != nil {
		return err
	}
	v, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", pid)
	if err != nil {
		return err
	}
	if _, err := c.Publish(ctx, map[string]string{"audio": "microphone", "video": "camera"}, a, v); err != nil {
		return err
	}
	// A browser sends media once the connection is up; before that pion drops it.
	for c.PublisherPC().ConnectionState() != webrtc.PeerConnectionStateConnected {
		if time.Now().After(start) {
			return fmt.Errorf("%s: publisher not connected by the start time", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Until(start))
	for _, x := range sends {
		time.Sleep(time.Until(start.Add(time.Duration(x.At) * time.Millisecond)))
		if drop != nil && drop(x) {
			continue
		}
		w := a
		if x.Video {
			w = v
		}
		p := x.Pkt
		if err := w.WriteRTP(&p); err != nil {
			return err
		}
	}
	time.Sleep(500 * time.Millisecond) // let the last packets arrive before leaving
	return nil
}

// waitSegments waits until the agreement's segments are all uploaded.
func (s *sfuRig) waitSegments(ag string, n int) []agreement.Recording {
	s.t.Helper()
	g := &rig{t: s.t, store: s.store, cat: s.cat, rec: s.rec}
	recs := g.waitUploaded(ag, n)
	m := s.rec.metrics
	s.t.Logf("recorder: dropped late %v, awaiting key frame %v, oversize %v; losses audio %v, video %v",
		metricValue(s.t, m.dropped.WithLabelValues("late")), metricValue(s.t, m.dropped.WithLabelValues("awaiting_keyframe")),
		metricValue(s.t, m.dropped.WithLabelValues("oversize")), metricValue(s.t, m.losses.WithLabelValues("audio")),
		metricValue(s.t, m.losses.WithLabelValues("video")))
	return recs
}

func (s *sfuRig) download(r agreement.Recording) string {
	return (&rig{t: s.t, store: s.store}).download(r)
}

// TestPionPeersRecordedToMinIO: two venues publish ffmpeg-made VP8 and Opus through the
// SFU for 5 s, one of them losing packets on the way; each venue's WebM in MinIO has two
// streams, the right duration and every frame but those the loss cost.
func TestPionPeersRecordedToMinIO(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 5, GOP: 30})
	s := newSFURig(t)
	nv, na := counts(src)
	lostVideo := map[int]bool{40: true, 100: true} // frames that lose a packet
	lostAudio := 0
	drop := func(x mediatest.Send) bool {
		if x.Video {
			if lostVideo[x.Frame] {
				delete(lostVideo, x.Frame) // the frame's first packet
				return true
			}
			return false
		}
		if x.Frame%40 == 20 {
			lostAudio++
			return true
		}
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now().Add(5 * time.Second)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, pid := range []string{"seoul", "nanjing"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d func(mediatest.Send) bool
			if i == 0 {
				d = drop
			}
			errs[i] = s.publishPaced(ctx, "mou", pid, mediatest.Packetize(src, rand.New(rand.NewPCG(uint64(i), 1))), start, d)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs := s.waitSegments("mou", 2)
	keys := keyIndexes(src)
	lost := untilNextKey(keys, nv, 40) + untilNextKey(keys, nv, 100)
	for _, r := range recs {
		path := s.download(r)
		wantVideo, wantAudio := nv, na
		if r.ParticipantID == "seoul" {
			wantVideo, wantAudio = nv-lost, na-lostAudio
		}
		t.Run(r.ParticipantID, func(t *testing.T) {
			checkFile(t, path, 5*time.Second, wantVideo, wantAudio)
			if r.Clock != "rtcp-sr" {
				t.Errorf("start taken from %q, want the sender reports", r.Clock)
			}
		})
	}
}

func keyIndexes(src []mediatest.Frame) []int {
	var keys []int
	for i, f := range videoFrames(src) {
		if f.Key {
			keys = append(keys, i)
		}
	}
	return keys
}

func untilNextKey(keys []int, total, n int) int {
	for _, k := range keys {
		if k > n {
			return k - n
		}
	}
	return total - n
}

// TestSyncMarkAcrossVenues: two venues, joining 1.3 s apart, send a sync mark (a key frame
// and an audio burst) at the same instant; on the recordings' common timeline (each
// segment's start plus the mark's position in its file) the marks land within 100 ms.
func TestSyncMarkAcrossVenues(t *testing.T) {
	srcA := mediatest.Source(t, mediatest.Spec{Seconds: 5, MarkAt: 3.0})
	srcB := mediatest.Source(t, mediatest.Spec{Seconds: 3.7, MarkAt: 1.7})
	s := newSFURig(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now().Add(5 * time.Second)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, v := range []struct {
		pid   string
		src   []mediatest.Frame
		delay time.Duration
	}{{"seoul", srcA, 0}, {"nanjing", srcB, 1300 * time.Millisecond}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.publishPaced(ctx, "mou", v.pid, mediatest.Packetize(v.src, rand.New(rand.NewPCG(uint64(i), 9))), start.Add(v.delay), nil)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	marks := map[string]time.Time{}
	for _, r := range s.waitSegments("mou", 2) {
		path := s.download(r)
		audio, video := mediatest.BurstAt(t, path), secondKeyframeAt(t, path)
		if d := (audio - video).Abs(); d > 60*time.Millisecond {
			t.Errorf("%s: audio burst at %v, key frame at %v in the file: %v apart", r.ParticipantID, audio, video, d)
		}
		marks[r.ParticipantID] = r.StartedAt.Add(audio)
		t.Logf("%s: segment starts %s (%s), mark at %v in the file", r.ParticipantID,
			r.StartedAt.Format("15:04:05.000"), r.Clock, audio)
	}
	if d := marks["seoul"].Sub(marks["nanjing"]).Abs(); d > 100*time.Millisecond {
		t.Errorf("the marks are %v apart on the timeline, want at most 100ms", d)
	}
}

// secondKeyframeAt returns the time of the video key frame after the first.
func secondKeyframeAt(t *testing.T, path string) time.Duration {
	t.Helper()
	keys := mediatest.KeyframesAt(t, path)
	if len(keys) < 2 {
		t.Fatalf("%d key frames in %s, want the start and the mark", len(keys), path)
	}
	return keys[1]
}
