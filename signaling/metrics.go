package signaling

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the SFU's Prometheus collectors.
type metrics struct {
	rooms, participants, tracks prometheus.Gauge
	packets, bytes              prometheus.Counter
	nacks, plis                 prometheus.Counter
	loss                        *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		rooms:        gauge("signroom_sfu_rooms", "Open ceremony rooms."),
		participants: gauge("signroom_sfu_participants", "Connected participants."),
		tracks:       gauge("signroom_sfu_tracks", "Published tracks being forwarded."),
		packets:      counter("signroom_sfu_forwarded_packets_total", "RTP packets written to subscribers."),
		bytes:        counter("signroom_sfu_forwarded_bytes_total", "RTP payload bytes written to subscribers."),
		nacks:        counter("signroom_sfu_nacks_total", "NACK feedback packets received from subscribers."),
		plis:         counter("signroom_sfu_plis_total", "Keyframe requests (PLI) sent to publishers."),
		loss: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "signroom_sfu_room_loss_ratio",
			Help: "Fraction of publisher packets lost on the way to the SFU over the last second, per room."},
			[]string{"agreement"}),
	}
	if reg == nil {
		return m, nil
	}
	// A second hub on the same registry (tests, restarts) shares the
	// collectors already registered.
	var err error
	for _, c := range []*prometheus.Gauge{&m.rooms, &m.participants, &m.tracks} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	for _, c := range []*prometheus.Counter{&m.packets, &m.bytes, &m.nacks, &m.plis} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	if m.loss, err = register(reg, m.loss); err != nil {
		return nil, err
	}
	return m, nil
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}
