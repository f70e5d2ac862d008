package recording

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/signroom/signroom/internal/mediatest"
	"github.com/signroom/signroom/storage/blob"
)

// downStore fails every call while down is set, as a store that cannot be reached.
type downStore struct {
	blob.Store
	down  atomic.Bool
	calls atomic.Int64
}

var errDown = errors.New("connection refused")

func (s *downStore) Put(ctx context.Context, key string, r io.Reader, o blob.PutOptions) (blob.ObjectInfo, error) {
	s.calls.Add(1)
	if s.down.Load() {
		return blob.ObjectInfo{}, errDown
	}
	return s.Store.Put(ctx, key, r, o)
}

func (s *downStore) Stat(ctx context.Context, key string) (blob.ObjectInfo, error) {
	if s.down.Load() {
		return blob.ObjectInfo{}, errDown
	}
	return s.Store.Stat(ctx, key)
}

func TestUploadRetriesWhileStoreIsDown(t *testing.T) {
	src := mediatest.Source(t, mediatest.Spec{Seconds: 2, GOP: 30})
	base := newRig(t, nil)
	store := &downStore{Store: base.store}
	store.down.Store(true)
	reg := prometheus.NewRegistry()
	g := &rig{t: t, dir: t.TempDir(), store: store, cat: &memCatalog{}, clock: base.clock}
	rec, err := New(Config{Dir: g.dir, Store: store, Catalog: g.cat, Now: g.clock.Now, Registerer: reg,
		FlushInterval: 50 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	g.rec = rec
	defer rec.Close(context.Background())
	audio, video := g.publish("ag1", "p1", "s1", nil)
	g.feed(g.clock.Now(), mediatest.Packetize(src, rand.New(rand.NewPCG(1, 5))), audio, video)
	_, _ = audio.Close(), video.Close()
	deadline := time.Now().Add(10 * time.Second)
	for store.calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := rec.Ping(context.Background()); err == nil || !strings.Contains(err.Error(), "1 recording segments wait") {
		t.Errorf("Ping while the store is down = %v, want the backlog named", err)
	}
	if got := metricValue(t, rec.metrics.backlog); got != 1 {
		t.Errorf("backlog metric %v, want 1", got)
	}
	if got := metricValue(t, rec.metrics.failures.WithLabelValues("upload")); got < 3 {
		t.Errorf("upload failures metric %v, want at least 3", got)
	}
	if rec.Pending("ag1") != 1 {
		t.Errorf("Pending = %d, want 1 while the upload waits", rec.Pending("ag1"))
	}
	if m, _ := filepathGlob(g.dir, "*.webm"); len(m) != 1 {
		t.Errorf("spool holds %v while the store is down, want the segment kept", m)
	}
	store.down.Store(false)
	recs := g.waitUploaded("ag1", 1)
	if recs[0].SHA256 == "" || rec.Ping(context.Background()) != nil {
		t.Errorf("after the store came back: %+v, ping %v", recs[0], rec.Ping(context.Background()))
	}
	if m, _ := filepathGlob(g.dir, "*"); len(m) != 0 {
		t.Errorf("spool still holds %v after the upload", m)
	}
}

// metricValue reads a counter or gauge.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
