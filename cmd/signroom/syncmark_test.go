package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/signroom/signroom/evidence"
	"github.com/signroom/signroom/internal/apitest"
	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/signaling/rtcapi"
)

// venuePlay is what one venue sends in the sync-mark test: ffmpeg-made media whose mark
// (a key frame and an audio burst) lies at markAt in the source, captured from start on and
// reaching the server netDelay after capture.
type venuePlay struct {
	pid      string
	spec     mediatest.Spec
	start    time.Time
	netDelay time.Duration
}

// TestSyncMarkOnTheSealedTimeline: Kim in Seoul and Wang in Nanjing send a sync mark at
// the same instant. Wang joins 1.3 s after Kim, her RTP timestamps start elsewhere, and her
// media reach the server 300 ms after they were captured (a slow network), while her RTCP
// sender reports, like a browser's, give the capture clock. The ceremony is signed, closed
// and sealed; in each archived WebM the mark (the second key frame, the audio burst) is found
// with ffprobe and ffmpeg, and placed on the sealed timeline by its segment's start offset:
// the two venues' marks land within 100 ms. A recorder that ignored the sender reports would
// put Wang's mark about 300 ms late.
func TestSyncMarkOnTheSealedTimeline(t *testing.T) {
	const netDelay = 300 * time.Millisecond
	m, base := startMain(t)
	org := organizer(t, base, m.Config.DataDir)
	mou := apitest.SetUpMOU(t, org, "sequential")
	org.Post("/api/agreements/"+mou.ID+"/start", nil, http.StatusOK, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	plays := []venuePlay{
		{mou.Kim, mediatest.Spec{Seconds: 5, MarkAt: 3.0}, time.Time{}, 0},
		{mou.Wang, mediatest.Spec{Seconds: 3.7, MarkAt: 1.7}, time.Time{}, netDelay},
	}
	// The media are made (ffmpeg) before the start is set, so a slow machine does not eat
	// into the publishers' time to connect.
	sources := make([][]mediatest.Frame, len(plays))
	for i, v := range plays {
		sources[i] = mediatest.Source(t, v.spec)
	}
	start := time.Now().Add(8 * time.Second)
	plays[0].start, plays[1].start = start, start.Add(1300*time.Millisecond)
	var wg sync.WaitGroup
	errs := make([]error, len(plays))
	for i, v := range plays {
		frames := sources[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = playVenue(ctx, t, base, mou.ID, mou.Tokens[v.pid], v, frames, uint64(i))
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	org.Post("/api/agreements/"+mou.ID+"/open-signing", nil, http.StatusOK, nil)
	signAs(t, base, mou.Tokens[mou.Kim])
	signAs(t, base, mou.Tokens[mou.Wang])
	org.Post("/api/agreements/"+mou.ID+"/close", nil, http.StatusOK, nil)

	man := archivedManifest(ctx, t, m.Blobs.Archive, mou.ID)
	marks := map[string]time.Duration{}
	for _, r := range man.Recordings {
		path := archivedRecording(ctx, t, m, r)
		audio, keys := mediatest.BurstAt(t, path), mediatest.KeyframesAt(t, path)
		if len(keys) < 2 {
			t.Fatalf("%s: %d key frames in the file, want the first and the mark's", r.ParticipantID, len(keys))
		}
		if d := (audio - keys[1]).Abs(); d > 60*time.Millisecond {
			t.Errorf("%s: audio burst at %v, key frame at %v in the file: %v apart", r.ParticipantID, audio, keys[1], d)
		}
		if r.Clock != "rtcp-sr" {
			t.Errorf("%s: segment start from %q, want the sender reports (rtcp-sr)", r.ParticipantID, r.Clock)
		}
		marks[r.ParticipantID] = time.Duration(r.StartOffsetMS)*time.Millisecond + audio
		t.Logf("%s: segment at %d ms on the timeline (%s), mark %v into the file", r.ParticipantID, r.StartOffsetMS, r.Clock, audio)
	}
	if len(man.Recordings) != 2 || len(marks) != 2 {
		t.Fatalf("sealed recordings %+v, want one segment per venue", man.Recordings)
	}
	if d := (marks[mou.Kim] - marks[mou.Wang]).Abs(); d > 100*time.Millisecond {
		t.Errorf("the marks are %v apart on the sealed timeline (Kim %v, Wang %v), want at most 100ms", d, marks[mou.Kim], marks[mou.Wang])
	}
}

// playVenue joins the ceremony with its own Pion API, whose sender reports run netDelay
// behind the real clock, publishes VP8 and Opus and sends the frames' packets netDelay after
// their capture times; it stays in the room until the test ends.
func playVenue(ctx context.Context, t *testing.T, base, agreementID, token string, v venuePlay, frames []mediatest.Frame, seed uint64) error {
	api, err := rtcapi.New(rtcapi.Options{LoopbackOnly: true, Client: true,
		SenderClock: func() time.Time { return time.Now().Add(-v.netDelay) }})
	if err != nil {
		return err
	}
	t.Cleanup(func() { api.Close() })
	p, err := joinCeremony(ctx, t, api, base, agreementID, token)
	if err != nil {
		return fmt.Errorf("join %s: %w", v.pid, err)
	}
	a, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "audio", v.pid)
	if err != nil {
		return err
	}
	vt, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "video", v.pid)
	if err != nil {
		return err
	}
	if _, err := p.c.Publish(ctx, map[string]string{"audio": "microphone", "video": "camera"}, a, vt); err != nil {
		return fmt.Errorf("publish %s: %w", v.pid, err)
	}
	for p.c.PublisherPC().ConnectionState() != webrtc.PeerConnectionStateConnected { // a browser sends once connected
		if time.Now().After(v.start) {
			return fmt.Errorf("%s: publisher not connected by the start time", v.pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, x := range mediatest.Packetize(frames, rand.New(rand.NewPCG(seed, 7))) {
		time.Sleep(time.Until(v.start.Add(time.Duration(x.At)*time.Millisecond + v.netDelay)))
		w := a
		if x.Video {
			w = vt
		}
		if err := w.WriteRTP(&x.Pkt); err != nil {
			return err
		}
	}
	time.Sleep(time.Second) // a sender report after the last packets, and time for them to arrive
	return nil
}

// archivedRecording copies a sealed recording from the archive to a file, checking its
// bytes against the manifest's hash.
func archivedRecording(ctx context.Context, t *testing.T, m *Main, r evidence.Recording) string {
	t.Helper()
	rc, _, err := m.Blobs.Archive.Open(ctx, r.ObjectKey)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	path := filepath.Join(t.TempDir(), r.ID+".webm")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), rc); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.SHA256 {
		t.Fatalf("archived %s has SHA-256 %s, the manifest says %s", r.ObjectKey, got, r.SHA256)
	}
	return path
}
