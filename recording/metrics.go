package recording

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the recorder's Prometheus collectors.
type metrics struct {
	tracks          prometheus.Counter
	segments        prometheus.Gauge
	spoolBytes      prometheus.Counter
	dropped         *prometheus.CounterVec
	losses          *prometheus.CounterVec
	discontinuities prometheus.Counter
	discarded       prometheus.Counter
	failures        *prometheus.CounterVec
	backlog         prometheus.Gauge
	backlogBytes    prometheus.Gauge
	uploaded        prometheus.Counter
	uploadedBytes   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		tracks:   counter("signroom_recording_tracks_total", "Published tracks handed to the recorder."),
		segments: gauge("signroom_recording_segments", "Recording segments being written."),
		spoolBytes: counter("signroom_recording_spool_bytes_total",
			"Bytes written to recording spool files."),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_recording_dropped_total",
			Help: "Packets or frames the recorder did not write, by reason."}, []string{"reason"}),
		losses: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_recording_losses_total",
			Help: "Gaps in recorded tracks (lost packets that no retransmission filled), by kind."}, []string{"kind"}),
		discontinuities: counter("signroom_recording_discontinuities_total",
			"SSRC changes in recorded tracks."),
		discarded: counter("signroom_recording_discarded_total", "Segments discarded because they held no media."),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_recording_failures_total",
			Help: "Failed recording steps (finalize, upload), each retried."}, []string{"step"}),
		backlog: gauge("signroom_recording_upload_backlog",
			"Finalized recording segments in the spool waiting for upload."),
		backlogBytes: gauge("signroom_recording_upload_backlog_bytes",
			"Bytes of finalized recording segments waiting for upload."),
		uploaded:      counter("signroom_recording_uploaded_total", "Recording segments uploaded and verified."),
		uploadedBytes: counter("signroom_recording_uploaded_bytes_total", "Bytes of recordings uploaded and verified."),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.tracks, m.segments, m.spoolBytes, m.dropped, m.losses,
		m.discontinuities, m.discarded, m.failures, m.backlog, m.backlogBytes, m.uploaded, m.uploadedBytes} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				return nil, errors.New("recording metrics already registered: one recorder per registry")
			}
			return nil, err
		}
	}
	return m, nil
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}
