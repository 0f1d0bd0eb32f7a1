package caddymodule

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookgate/hookgate/receiver"
)

// receiverCollectors are the receivers' Prometheus collectors. They are
// created once per process and registered into each config's registry, so
// counts carry over a config reload as Caddy's own metrics do.
var receiverCollectors = struct {
	once     sync.Once
	requests *prometheus.CounterVec
	ack      *prometheus.HistogramVec
	forwards *prometheus.CounterVec
	gaps     *prometheus.CounterVec
}{}

// initReceiverCollectors creates the collectors on first use.
func initReceiverCollectors() {
	const ns, sub = "caddy", "webhooks_receiver"
	receiverCollectors.once.Do(func() {
		receiverCollectors.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Provider requests to a webhook receiver, by outcome (accepted, duplicate, unauthorized, bad_request, too_large, method_not_allowed, unavailable).",
		}, []string{"receiver", "outcome"})
		receiverCollectors.ack = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "ack_seconds",
			Help:    "Time from a provider's request to its acknowledgement, including the durable write.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"receiver"})
		receiverCollectors.forwards = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "forwards_total",
			Help: "Attempts to forward events to the app, by outcome (delivered, failed, dead).",
		}, []string{"receiver", "outcome"})
		receiverCollectors.gaps = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "gaps_total",
			Help: "Gaps detected in a receiver's sequence numbers.",
		}, []string{"receiver"})
	})
}

// registerReceiverMetrics registers the receivers' collectors into reg; a
// collector already registered there is left as it is.
func registerReceiverMetrics(reg *prometheus.Registry) {
	initReceiverCollectors()
	if reg == nil {
		return
	}
	registerOnce(reg, receiverCollectors.requests, receiverCollectors.ack,
		receiverCollectors.forwards, receiverCollectors.gaps)
}

// receiverMetrics implements receiver.Metrics on the collectors.
type receiverMetrics struct{}

// Request counts a provider request.
func (receiverMetrics) Request(name, outcome string) {
	initReceiverCollectors()
	receiverCollectors.requests.WithLabelValues(name, outcome).Inc()
}

// Ack observes an acknowledgement's latency.
func (receiverMetrics) Ack(name string, d time.Duration) {
	initReceiverCollectors()
	receiverCollectors.ack.WithLabelValues(name).Observe(d.Seconds())
}

// Forward counts a forwarding attempt or burial.
func (receiverMetrics) Forward(name, outcome string) {
	initReceiverCollectors()
	receiverCollectors.forwards.WithLabelValues(name, outcome).Inc()
}

// Gap counts a detected gap.
func (receiverMetrics) Gap(name string, _ uint64) {
	initReceiverCollectors()
	receiverCollectors.gaps.WithLabelValues(name).Inc()
}

// Interface guards
var _ receiver.Metrics = receiverMetrics{}
