package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/signroom/signroom/agreement"
	"github.com/signroom/signroom/recording"
	"github.com/signroom/signroom/signaling"
)

// recordingEvent is pushed to the ceremony when recording starts (the first segment of
// the agreement is being written) and when it stops (the last one ended): the room's
// recording indicator.
type recordingEvent struct {
	Active bool `json:"active"`
}

// EventName is the event's name on the ceremony wire.
func (recordingEvent) EventName() string { return "recording.state" }

// openRecorder starts the recorder: its spool in DATA-DIR/recordings, uploads to the
// working bucket, segments catalogued in the database. Segments a crash left are finalized
// and uploaded now.
func (m *Main) openRecorder() error {
	rec, err := recording.New(recording.Config{Dir: filepath.Join(m.Config.DataDir, "recordings"), Store: m.Blobs.Working,
		Catalog: m.DB, Logger: m.Logger.With("component", "recorder"), Registerer: m.Registry,
		Notify: func(agreementID string, active bool) {
			if m.Hub != nil {
				ceremonyEvents{m.Hub}.Broadcast(agreementID, recordingEvent{Active: active})
			}
		}})
	if err != nil {
		return fmt.Errorf("start recorder: %w", err)
	}
	m.Recorder = rec
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		return rec.Close(ctx)
	})
	return nil
}

// recordingSink hands the SFU's tracks to the recorder for agreements that are live or in
// signing and whose organizer did not turn recording off. The decision is taken once per
// agreement: recording can only be turned off before the ceremony goes live, and a closed
// ceremony's tracks are refused by the recorder itself (Finish).
type recordingSink struct {
	rec   *recording.Recorder
	store agreementGetter

	mu     sync.Mutex
	record map[string]bool
}

// agreementGetter is what the sink needs from the metadata store.
type agreementGetter interface {
	Agreement(ctx context.Context, id string) (*agreement.Agreement, error)
}

func newRecordingSink(rec *recording.Recorder, store agreementGetter) *recordingSink {
	return &recordingSink{rec: rec, store: store, record: map[string]bool{}}
}

// StartTrack implements signaling.TrackSink. It runs under the room's lock: the database
// is asked once per agreement, with a short timeout.
func (s *recordingSink) StartTrack(t signaling.SinkTrack) (signaling.RTPWriter, error) {
	on, err := s.recorded(t.AgreementID)
	if err != nil || !on {
		return nil, err
	}
	return s.rec.StartTrack(t)
}

func (s *recordingSink) recorded(agreementID string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on, ok := s.record[agreementID]; ok {
		return on, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	a, err := s.store.Agreement(ctx, agreementID)
	if err != nil {
		return false, fmt.Errorf("recording: %w", err)
	}
	if a.State != agreement.StateLive && a.State != agreement.StateSigning {
		return false, nil // not decided for good: the ceremony is not on
	}
	s.record[agreementID] = !a.RecordingOff
	return !a.RecordingOff, nil
}
