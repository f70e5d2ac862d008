package recording

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/signaling"
	"github.com/signroom/signroom/storage/blob"
)

// Clock sources of a segment's start (agreement.Recording.Clock).
const (
	clockSender  = "rtcp-sr"
	clockArrival = "arrival"
)

// Defaults of Config.
const (
	DefaultFlushInterval = time.Second
	DefaultSyncInterval  = 2 * time.Second
	DefaultMinBackoff    = time.Second
	DefaultMaxBackoff    = 30 * time.Second
)

// ErrClosed is returned by StartTrack after Close.
var ErrClosed = errors.New("recorder closed")

// Catalog keeps the metadata of every segment (storage/sqlite implements it). SaveRecording
// inserts or replaces the segment with r.ID.
type Catalog interface {
	SaveRecording(ctx context.Context, r agreement.Recording) error
}

// Config configures a Recorder.
type Config struct {
	Dir     string     // spool directory (created); one recorder owns it
	Store   blob.Store // the working bucket recordings are uploaded to
	Catalog Catalog    // optional
	Logger  *slog.Logger
	// Registerer receives the recorder's metrics; nil registers nothing.
	Registerer    prometheus.Registerer
	FlushInterval time.Duration // between writes of each spool file; default 1s
	SyncInterval  time.Duration // between fsyncs of each spool file; default 2s
	MinBackoff    time.Duration // first wait after a failed upload; default 1s
	MaxBackoff    time.Duration // longest wait between upload attempts; default 30s
	// Notify, when set, is told when an agreement's first segment starts being written and
	// when its last one ended (active false).
	Notify func(agreementID string, active bool)
	Now    func() time.Time // default time.Now
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = DefaultSyncInterval
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = max(DefaultMaxBackoff, c.MinBackoff)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Recorder records every published track it is given (it is the SFU's signaling.TrackSink)
// into per-participant WebM segments in a spool directory, finalizes them when they end, and
// uploads them to the working store. See the package documentation.
type Recorder struct {
	cfg     Config
	log     *slog.Logger
	spool   *spool
	metrics *metrics
	packets sync.Pool // *packet, reused once released
	now     func() time.Time

	mu       sync.Mutex
	groups   map[string]*group
	segments map[*segment]bool // open, for the flusher
	active   map[string]int    // open segments per agreement
	stopped  map[string]bool   // agreements Finish stopped: their tracks are not recorded
	closed   bool

	fin *finalizer
	up  *uploader

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// New opens the spool, queues what an earlier run left there (unfinished segments are
// finalized, finished ones uploaded) and starts the recorder's goroutines.
func New(cfg Config) (*Recorder, error) {
	cfg = cfg.withDefaults()
	if cfg.Store == nil || cfg.Dir == "" {
		return nil, errors.New("recording: Dir and Store are required")
	}
	sp, err := openSpool(cfg.Dir)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("recording metrics: %w", err)
	}
	r := &Recorder{cfg: cfg, log: cfg.Logger, spool: sp, metrics: m, now: cfg.Now,
		groups: map[string]*group{}, segments: map[*segment]bool{}, active: map[string]int{}, stopped: map[string]bool{}}
	r.packets.New = func() any { return new(packet) }
	r.up = newUploader(r)
	r.fin = newFinalizer(r)
	if err := r.recover(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	r.wg.Add(3)
	go func() { defer r.wg.Done(); r.flushLoop(ctx) }()
	go func() { defer r.wg.Done(); r.fin.run(ctx) }()
	go func() { defer r.wg.Done(); r.up.run(ctx) }()
	return r, nil
}

// recover queues the spool's segments: those still "recording" (a crash) for finalizing,
// finalized ones for upload.
func (r *Recorder) recover() error {
	segs, err := r.spool.list()
	if err != nil {
		return err
	}
	for _, s := range segs {
		switch s.State {
		case agreement.RecordingActive:
			r.log.Info("recovering recording segment", "segment", s.ID, "agreement", s.AgreementID)
			r.fin.add(finishJob{meta: s})
		case agreement.RecordingFinalized:
			r.up.add(s)
		}
	}
	return nil
}

// StartTrack implements signaling.TrackSink: it records VP8 and Opus tracks and ignores
// others (a nil writer).
func (r *Recorder) StartTrack(t signaling.SinkTrack) (signaling.RTPWriter, error) {
	video := strings.EqualFold(t.MimeType, "video/VP8")
	if !video && !strings.EqualFold(t.MimeType, "audio/opus") {
		return nil, nil
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	if r.stopped[t.AgreementID] {
		r.mu.Unlock()
		return nil, nil
	}
	g := r.groupLocked(t, video)
	g.open[kindIndex(video)]++
	r.mu.Unlock()
	tw := newTrackWriter(g, video, t.ClockRate, t.RequestKeyframe)
	tw.trackID = t.TrackID
	g.mu.Lock()
	g.tracks = append(g.tracks, tw)
	g.mu.Unlock()
	r.metrics.tracks.Inc()
	return tw, nil
}

func kindIndex(video bool) int {
	if video {
		return 1
	}
	return 0
}

// groupLocked finds the group a new track belongs to, or makes one.
func (r *Recorder) groupLocked(t signaling.SinkTrack, video bool) *group {
	source := "camera"
	if t.Source == "screen" {
		source = "screen"
	}
	key := t.AgreementID + "\x00" + t.ParticipantID + "\x00" + t.SessionID + "\x00" + source
	if g := r.groups[key]; g != nil {
		if g.open[kindIndex(video)] == 0 {
			return g
		}
		key += "\x00" + t.TrackID // a second track of one kind: a group of its own
	}
	g := &group{rec: r, key: key, agreementID: t.AgreementID, participantID: t.ParticipantID,
		source: source, sid: t.SessionID}
	r.groups[key] = g
	return g
}

// trackEnded counts a group's track as closed and reports whether it was the last; the
// group then leaves the registry.
func (r *Recorder) trackEnded(g *group, video bool) (last bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g.open[kindIndex(video)]--
	if g.open[0]+g.open[1] > 0 {
		return false
	}
	if r.groups[g.key] == g {
		delete(r.groups, g.key)
	}
	return true
}

// newSegment starts a segment in memory; the flusher creates its files.
func (r *Recorder) newSegment(g *group, start time.Time, specs []trackSpec) (*segment, error) {
	mux, err := newWebMMuxer(start, specs)
	if err != nil {
		return nil, err
	}
	s := &segment{rec: r, start: start, mux: mux, kinds: map[uint64]bool{}}
	var kinds []string
	for _, sp := range specs {
		s.kinds[sp.number] = true
		kinds = append(kinds, map[uint64]string{audioTrack: "audio", videoTrack: "video"}[sp.number])
	}
	now := r.now().UTC()
	s.meta = agreement.Recording{ID: newSegmentID(now), AgreementID: g.agreementID, ParticipantID: g.participantID,
		Source: g.source, Kinds: kinds, StartedAt: start.UTC(), Clock: clockArrival, State: agreement.RecordingActive,
		CreatedAt: now, UpdatedAt: now}
	r.mu.Lock()
	r.segments[s] = true
	r.active[g.agreementID]++
	first := r.active[g.agreementID] == 1
	r.mu.Unlock()
	r.metrics.segments.Inc()
	r.log.Info("recording segment started", "segment", s.meta.ID, "agreement", g.agreementID,
		"participant", g.participantID, "source", g.source, "kinds", kinds)
	if first && r.cfg.Notify != nil {
		go r.cfg.Notify(g.agreementID, true)
	}
	return s, nil
}

// newSegmentID is the UTC start time and 40 random bits, so file names sort by time.
func newSegmentID(t time.Time) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return t.Format("20060102T150405Z") + "-" + strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

// finish hands an ended segment to the finalizer. It does not block.
func (r *Recorder) finish(s *segment) {
	r.mu.Lock()
	delete(r.segments, s)
	r.active[s.meta.AgreementID]--
	last := r.active[s.meta.AgreementID] == 0
	if last {
		delete(r.active, s.meta.AgreementID)
	}
	r.mu.Unlock()
	r.metrics.segments.Dec()
	r.fin.add(finishJob{seg: s})
	if last && r.cfg.Notify != nil {
		go r.cfg.Notify(s.meta.AgreementID, false)
	}
}

// flushLoop drives time: jitter timeouts and interleaving of every group, and the writes
// of every open segment, once per FlushInterval.
func (r *Recorder) flushLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.flushAll()
	}
}

func (r *Recorder) flushAll() {
	r.mu.Lock()
	groups := make([]*group, 0, len(r.groups))
	for _, g := range r.groups {
		groups = append(groups, g)
	}
	segs := make([]*segment, 0, len(r.segments))
	for s := range r.segments {
		segs = append(segs, s)
	}
	r.mu.Unlock()
	now := r.now()
	for _, g := range groups {
		g.tick(now)
	}
	for _, s := range segs {
		if err := s.flush(r.cfg.SyncInterval); err != nil {
			s.fail(err)
			r.log.Error("write recording segment", "segment", s.meta.ID, "err", err)
		}
	}
}

func (s *segment) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = err
	}
}

// catalogSave records a segment's metadata in the catalog; a failure is logged, and the
// next state change saves it again.
func (r *Recorder) catalogSave(m agreement.Recording) {
	if r.cfg.Catalog == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.UpdatedAt = r.now().UTC()
	if err := r.cfg.Catalog.SaveRecording(ctx, m); err != nil {
		r.log.Error("save recording metadata", "segment", m.ID, "err", err)
	}
}

// Pending returns how many of the agreement's segments are still being recorded,
// finalized or uploaded by this recorder. Sealing waits for 0.
func (r *Recorder) Pending(agreementID string) int {
	r.mu.Lock()
	n := 0
	for _, g := range r.groups {
		if g.agreementID == agreementID {
			n++
		}
	}
	r.mu.Unlock()
	return n + r.fin.pending(agreementID) + r.up.pending(agreementID)
}

// Finish stops recording the agreement — its open tracks end, tracks that start later are
// not recorded — and waits until none of its segments is pending here (all finalized and
// uploaded, or discarded), or until ctx ends: then it returns an error wrapping ctx's, and
// the segments stay in the spool and go on uploading.
func (r *Recorder) Finish(ctx context.Context, agreementID string) error {
	r.mu.Lock()
	r.stopped[agreementID] = true
	var groups []*group
	for _, g := range r.groups {
		if g.agreementID == agreementID {
			groups = append(groups, g)
		}
	}
	r.mu.Unlock()
	for _, w := range writersOf(groups) {
		_ = w.Close()
	}
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		n := r.Pending(agreementID)
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d recording segments of %s not uploaded yet: %w", n, agreementID, ctx.Err())
		case <-t.C:
		}
	}
}

// Active reports whether a segment of the agreement is being written now.
func (r *Recorder) Active(agreementID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active[agreementID] > 0
}

// Ping reports an error while uploads are failing (for /readyz): recordings are safe in the
// spool, but the store does not take them.
func (r *Recorder) Ping(context.Context) error { return r.up.health() }

// Close stops recording: tracks still open are ended and their segments finalized (their
// files stay in the spool when ctx ends first); uploads in flight are abandoned and resume
// at the next start. Close the SFU first so no new track arrives.
func (r *Recorder) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	groups := make([]*group, 0, len(r.groups))
	for _, g := range r.groups {
		groups = append(groups, g)
	}
	r.mu.Unlock()
	for _, w := range writersOf(groups) {
		_ = w.Close()
	}
	err := r.fin.drain(ctx)
	r.stop()
	r.wg.Wait()
	return err
}

// writersOf returns the track writers of groups (taking each group's lock, so call it
// without the recorder's).
func writersOf(groups []*group) []*trackWriter {
	var writers []*trackWriter
	for _, g := range groups {
		g.mu.Lock()
		writers = append(writers, g.tracks...)
		g.mu.Unlock()
	}
	return writers
}
