package recording

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/signroom/signroom/agreement"
)

// maxPending bounds the bytes a segment holds in memory between flushes; a segment whose
// file cannot keep up (a stalled disk) fails instead of growing without end.
const maxPending = 32 << 20

var errBacklog = errors.New("recording segment: the spool cannot keep up")

// segment is one spool file being written. Blocks collect in memory (mu) and the recorder's
// flusher writes them out (io) at least every FlushInterval, so a crash loses at most that.
type segment struct {
	rec   *Recorder
	start time.Time // wall time of the file's time zero, on the arrival clock
	kinds map[uint64]bool

	mu        sync.Mutex
	meta      agreement.Recording
	mux       *webmMuxer
	failed    error
	metaDirty bool

	io     sync.Mutex // orders file writes; guards the fields below
	file   *os.File
	synced time.Time
	closed bool
}

func (s *segment) has(track uint64) bool { return s.kinds[track] }

func (s *segment) hasFailed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed != nil
}

// add writes one frame as a block.
func (s *segment) add(track uint64, f queued) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed != nil {
		return
	}
	ok, err := s.mux.block(track, max(0, f.wall.Sub(s.start).Milliseconds()), f.key, f.data)
	switch {
	case err != nil:
		s.failed = err
	case !ok:
		s.rec.metrics.dropped.WithLabelValues("late").Inc()
	case s.mux.out.Len() > maxPending:
		s.failed = errBacklog
	}
}

// noteClock takes the segment's start from a sender report once one tied a track's RTP
// clock to the sender's wall clock (audio preferred: its clock is the steadier).
func (s *segment) noteClock(tracks []*trackWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.meta.Clock == clockSender {
		return
	}
	for _, video := range []bool{false, true} {
		for _, t := range tracks {
			if t.video == video && s.kinds[t.number()] && t.clock.haveOffset {
				s.meta.StartedAt = s.start.Add(t.clock.offset).UTC()
				s.meta.Clock, s.metaDirty = clockSender, true
				return
			}
		}
	}
}

// flush writes what collected to the file, creating the file and its sidecar the first
// time, and syncs it to disk at most every syncEvery.
func (s *segment) flush(syncEvery time.Duration) error {
	s.io.Lock()
	defer s.io.Unlock()
	if s.closed {
		return nil
	}
	s.mu.Lock()
	data := s.mux.take()
	meta, dirty := s.meta, s.metaDirty || s.file == nil
	s.metaDirty = false
	s.mu.Unlock()
	if dirty {
		if err := s.rec.spool.writeMeta(meta); err != nil {
			return err
		}
	}
	if s.file == nil {
		f, err := os.OpenFile(s.rec.spool.mediaPath(meta.ID), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("create spool file: %w", err)
		}
		s.file = f
		s.rec.catalogSave(meta)
	}
	_, err := s.file.Write(data)
	s.mu.Lock()
	s.mux.recycle(data)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("write spool file: %w", err)
	}
	s.rec.metrics.spoolBytes.Add(float64(len(data)))
	if now := s.rec.now(); syncEvery >= 0 && now.Sub(s.synced) >= syncEvery {
		s.synced = now
		return s.file.Sync()
	}
	return nil
}

// close writes the rest, syncs and closes the file.
func (s *segment) close() error {
	err := s.flush(0)
	s.io.Lock()
	defer s.io.Unlock()
	s.closed = true
	if s.file != nil {
		err = errors.Join(err, s.file.Close())
		s.file = nil
	}
	return err
}

func (s *segment) snapshot() agreement.Recording {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.meta
}
