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
	// switches and recorded count layer switches done (at a key frame) by subscribers and by
	// the recording sink, by the layer switched to ("q", "h", "f" or "paused").
	switches, recorded *prometheus.CounterVec
	switchTo           [maxLayers + 1]prometheus.Counter // paused, q, h, f
	recordTo           [maxLayers + 1]prometheus.Counter
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
		switches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_sfu_layer_switches_total",
			Help: "Simulcast layer switches of subscribers, by the layer switched to (paused: audio only)."},
			[]string{"layer"}),
		recorded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_sfu_recorded_layer_switches_total",
			Help: "Simulcast layer switches of the recording, by the layer switched to."}, []string{"layer"}),
	}
	if reg != nil {
		if err := m.register(reg); err != nil {
			return nil, err
		}
	}
	for i := range m.switchTo {
		m.switchTo[i] = m.switches.WithLabelValues(layerName(i - 1))
		m.recordTo[i] = m.recorded.WithLabelValues(layerName(i - 1))
	}
	return m, nil
}

// switched counts a subscriber's switch to layer to (-1: paused).
func (m *metrics) switched(to int32) { m.switchTo[to+1].Inc() }

// recordedLayer counts the recording's switch to layer to.
func (m *metrics) recordedLayer(to int32) { m.recordTo[to+1].Inc() }

func (m *metrics) register(reg prometheus.Registerer) error {
	// A second hub on the same registry (tests, restarts) shares the
	// collectors already registered.
	var err error
	for _, c := range []*prometheus.Gauge{&m.rooms, &m.participants, &m.tracks} {
		if *c, err = register(reg, *c); err != nil {
			return err
		}
	}
	for _, c := range []*prometheus.Counter{&m.packets, &m.bytes, &m.nacks, &m.plis} {
		if *c, err = register(reg, *c); err != nil {
			return err
		}
	}
	if m.loss, err = register(reg, m.loss); err != nil {
		return err
	}
	for _, c := range []**prometheus.CounterVec{&m.switches, &m.recorded} {
		if *c, err = register(reg, *c); err != nil {
			return err
		}
	}
	return nil
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
