package recording

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/storage/blob"
)

// fakeClock is a settable clock for the recorder.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// memCatalog is a Catalog in memory.
type memCatalog struct {
	mu   sync.Mutex
	recs map[string]agreement.Recording
}

func (c *memCatalog) SaveRecording(_ context.Context, r agreement.Recording) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recs == nil {
		c.recs = map[string]agreement.Recording{}
	}
	c.recs[r.ID] = r
	return nil
}

func (c *memCatalog) all(agreementID string) []agreement.Recording {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []agreement.Recording
	for _, r := range c.recs {
		if r.AgreementID == agreementID {
			out = append(out, r)
		}
	}
	return out
}

// rig is a recorder on a local working store with a fake clock.
type rig struct {
	t     *testing.T
	dir   string
	store blob.Store
	cat   *memCatalog
	clock *fakeClock
	rec   *Recorder
}

func newRig(t *testing.T, store blob.Store) *rig {
	t.Helper()
	dir := t.TempDir()
	if store == nil {
		l, err := blob.NewLocal(filepath.Join(dir, "blobs"), make([]byte, 32), "http://localhost", nil)
		if err != nil {
			t.Fatal(err)
		}
		store = l.Buckets().Working
	}
	g := &rig{t: t, dir: filepath.Join(dir, "spool"), store: store, cat: &memCatalog{},
		clock: &fakeClock{t: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}}
	g.open()
	return g
}

func (g *rig) open() {
	g.t.Helper()
	rec, err := New(Config{Dir: g.dir, Store: g.store, Catalog: g.cat, Now: g.clock.Now, Logger: testLogger(g.t),
		FlushInterval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	if err != nil {
		g.t.Fatal(err)
	}
	g.rec = rec
	g.t.Cleanup(func() { _ = rec.Close(context.Background()) })
}

// kfCounter counts keyframe requests.
type kfCounter struct{ n atomic.Int64 }

func (k *kfCounter) request() { k.n.Add(1) }

// publish starts the tracks of one participant's connection.
func (g *rig) publish(agreementID, pid, session string, kf *kfCounter) (audio, video signaling.RTPWriter) {
	g.t.Helper()
	req := func() {}
	if kf != nil {
		req = kf.request
	}
	var err error
	audio, err = g.rec.StartTrack(signaling.SinkTrack{AgreementID: agreementID, ParticipantID: pid, SessionID: session,
		TrackID: pid + "/microphone", Source: "microphone", Kind: "audio", MimeType: "audio/opus", ClockRate: 48000})
	if err != nil {
		g.t.Fatal(err)
	}
	video, err = g.rec.StartTrack(signaling.SinkTrack{AgreementID: agreementID, ParticipantID: pid, SessionID: session,
		TrackID: pid + "/camera", Source: "camera", Kind: "video", MimeType: "video/VP8", ClockRate: 90000,
		RequestKeyframe: req})
	if err != nil {
		g.t.Fatal(err)
	}
	return audio, video
}

// feed writes packets, moving the clock to each packet's time after base.
func (g *rig) feed(base time.Time, sends []mediatest.Send, audio, video signaling.RTPWriter) {
	for _, s := range sends {
		g.clock.Set(base.Add(time.Duration(s.At) * time.Millisecond))
		w := audio
		if s.Video {
			w = video
		}
		p := s.Pkt
		if err := w.WriteRTP(&p); err != nil {
			g.t.Fatal(err)
		}
	}
}

// senderReports gives each track a sender report that maps its RTP clock to wall.
func senderReport(w signaling.RTPWriter, ssrc uint32, wall time.Time, ts uint32) {
	const ntpEpochOffset = 2208988800
	secs := uint64(wall.Unix() + ntpEpochOffset)
	frac := uint64(float64(wall.Nanosecond()) / 1e9 * (1 << 32))
	w.(signaling.RTCPWriter).WriteRTCP([]rtcp.Packet{&rtcp.SenderReport{SSRC: ssrc, NTPTime: secs<<32 | frac, RTPTime: ts}})
}

// waitUploaded waits for n uploaded (or discarded) segments of the agreement.
func (g *rig) waitUploaded(agreementID string, n int) []agreement.Recording {
	g.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		recs := g.cat.all(agreementID)
		done := 0
		for _, r := range recs {
			if r.Done() {
				done++
			}
		}
		if done >= n && g.rec.Pending(agreementID) == 0 {
			return recs
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.t.Fatalf("segments of %s not uploaded in time: %+v", agreementID, g.cat.all(agreementID))
	return nil
}

// download copies an uploaded segment to a local file for ffprobe.
func (g *rig) download(r agreement.Recording) string {
	g.t.Helper()
	rc, _, err := g.store.Open(context.Background(), r.ObjectKey)
	if err != nil {
		g.t.Fatal(err)
	}
	defer rc.Close()
	path := filepath.Join(g.t.TempDir(), r.ID+".webm")
	f, err := os.Create(path)
	if err != nil {
		g.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadFrom(rc); err != nil {
		g.t.Fatal(err)
	}
	return path
}

// testLogger logs to the test's output when -v is given.
func testLogger(t *testing.T) *slog.Logger {
	if !testing.Verbose() {
		return nil
	}
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(time.Now().Format("15:04:05.000"), strings.TrimSpace(string(b)))
	return len(b), nil
}
