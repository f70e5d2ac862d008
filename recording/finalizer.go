package recording

import (
	"context"
	"errors"
	"os"
	"sync"

	"github.com/signroom/signroom/agreement"
)

// finishJob is a segment to finalize: one that just ended (seg set), or one found in the
// spool after a crash (meta only).
type finishJob struct {
	seg  *segment
	meta agreement.Recording
}

func (j finishJob) agreementID() string {
	if j.seg != nil {
		return j.seg.meta.AgreementID // immutable after the segment started
	}
	return j.meta.AgreementID
}

// finalizer closes ended segments' files, finalizes them (finalizeWebM) and passes them to
// the uploader, one at a time, off the forwarding path.
type finalizer struct {
	rec  *Recorder
	mu   sync.Mutex
	jobs []finishJob
	busy int
	wake chan struct{}
	idle chan struct{} // closed and replaced whenever the queue empties
}

func newFinalizer(r *Recorder) *finalizer {
	return &finalizer{rec: r, wake: make(chan struct{}, 1), idle: make(chan struct{})}
}

func (f *finalizer) add(j finishJob) {
	f.mu.Lock()
	f.jobs = append(f.jobs, j)
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *finalizer) pending(agreementID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.busy
	for _, j := range f.jobs {
		if j.agreementID() == agreementID {
			n++
		}
	}
	return n
}

func (f *finalizer) run(ctx context.Context) {
	for {
		f.mu.Lock()
		if len(f.jobs) == 0 {
			close(f.idle)
			f.idle = make(chan struct{})
			f.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-f.wake:
				continue
			}
		}
		j := f.jobs[0]
		f.jobs = f.jobs[1:]
		f.busy++
		f.mu.Unlock()
		f.finish(j)
		f.mu.Lock()
		f.busy--
		f.mu.Unlock()
	}
}

// drain waits until every queued job is done or ctx ends.
func (f *finalizer) drain(ctx context.Context) error {
	for {
		f.mu.Lock()
		empty := len(f.jobs) == 0 && f.busy == 0
		idle := f.idle
		f.mu.Unlock()
		if empty {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-idle:
		}
	}
}

// finish closes and finalizes one segment and queues it for upload. A segment without
// media is discarded.
func (f *finalizer) finish(j finishJob) {
	r := f.rec
	meta := j.meta
	if j.seg != nil {
		if err := j.seg.close(); err != nil {
			r.log.Error("close recording segment", "segment", j.seg.meta.ID, "err", err)
		}
		meta = j.seg.snapshot()
	}
	l, err := finalizeWebM(r.spool.mediaPath(meta.ID), meta.StartedAt)
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(r.spool.mediaPath(meta.ID)); err == nil {
			meta.Size = st.Size()
		}
	}
	switch {
	case errors.Is(err, ErrNoMedia) || errors.Is(err, os.ErrNotExist):
		f.discard(meta, err)
		return
	case err != nil: // kept in the spool as it is; the next start tries again
		r.log.Error("finalize recording segment", "segment", meta.ID, "err", err)
		r.metrics.failures.WithLabelValues("finalize").Inc()
		return
	}
	meta.DurationMS, meta.State = l.durationMillis(), agreement.RecordingFinalized
	meta.Frames = map[string]int64{}
	for n, k := range map[uint64]string{audioTrack: "audio", videoTrack: "video"} {
		if l.tracks[n] {
			meta.Frames[k] = l.frames[n]
		}
	}
	meta.FinalizedAt = r.now().UTC()
	if err := r.spool.writeMeta(meta); err != nil {
		r.log.Error("write recording metadata", "segment", meta.ID, "err", err)
		return // stays "recording" in the spool; finalized again at the next start
	}
	r.catalogSave(meta)
	r.log.Info("recording segment finalized", "segment", meta.ID, "agreement", meta.AgreementID,
		"duration_ms", meta.DurationMS, "bytes", meta.Size, "frames", meta.Frames)
	r.up.add(meta)
}

// discard records a segment that holds no media and removes its files.
func (f *finalizer) discard(meta agreement.Recording, cause error) {
	r := f.rec
	r.log.Warn("recording segment discarded", "segment", meta.ID, "agreement", meta.AgreementID, "err", cause)
	meta.State, meta.Error = agreement.RecordingDiscarded, cause.Error()
	r.catalogSave(meta)
	if err := r.spool.remove(meta.ID); err != nil {
		r.log.Error("remove discarded recording", "segment", meta.ID, "err", err)
	}
	r.metrics.discarded.Inc()
}
