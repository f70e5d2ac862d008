package turnserver

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons of signroom_turn_refused_total.
const (
	reasonAuth  = "auth"             // wrong, forged or expired credentials
	reasonQuota = "allocations"      // the invitation's allocations are used up
	reasonPeer  = "peer"             // a permission or packet for an address not the SFU's
	reasonBytes = "allocation_bytes" // the allocation relayed its byte quota
)

// metrics are the TURN server's Prometheus collectors.
type metrics struct {
	allocations prometheus.Gauge
	bytes       *prometheus.CounterVec
	refused     *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		allocations: prometheus.NewGauge(prometheus.GaugeOpts{Name: "signroom_turn_allocations",
			Help: "Open allocations on the embedded TURN server."}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_turn_relayed_bytes_total",
			Help: "Bytes relayed between TURN clients and the SFU, by direction (to_peer, from_peer)."}, []string{"direction"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "signroom_turn_refused_total",
			Help: "TURN requests and relayed packets refused, by reason."}, []string{"reason"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.allocations, err = register(reg, m.allocations); err != nil {
		return nil, err
	}
	if m.bytes, err = register(reg, m.bytes); err != nil {
		return nil, err
	}
	m.refused, err = register(reg, m.refused)
	return m, err
}

// register registers c, or returns the collector a previous server (a restart in the same
// process, tests) registered under the same name.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
