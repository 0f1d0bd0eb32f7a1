package caddymodule

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookgate/hookgate/outbound"
)

// outboundCollectors are created once per process and registered into the
// registry of every config load, as Caddy's own modules do, so counts
// survive a reload.
var outboundCollectors struct {
	once       sync.Once
	published  *prometheus.CounterVec
	enqueued   prometheus.Counter
	deliveries *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	subs       *subscriptionsCollector
}

// initOutboundCollectors creates the collectors on first use.
func initOutboundCollectors() {
	const ns, sub = "caddy", "webhooks_outbound"
	c := &outboundCollectors
	c.once.Do(func() {
		c.published = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "events_published_total",
			Help: "Events published through the API, by whether their id was a duplicate.",
		}, []string{"duplicate"})
		c.enqueued = prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "deliveries_enqueued_total",
			Help: "Deliveries fanned out to subscriptions.",
		})
		c.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "deliveries_total",
			Help: "Delivery attempts by outcome (succeeded, failed, deactivated, exhausted, deleted).",
		}, []string{"outcome"})
		c.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub, Name: "delivery_duration_seconds",
			Help:    "Time from sending a delivery to the end of the subscriber's response, by outcome.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"})
		c.subs = &subscriptionsCollector{desc: prometheus.NewDesc(
			prometheus.BuildFQName(ns, sub, "subscriptions"),
			"Subscriptions by status (active, paused, disabled).",
			[]string{"status"}, nil)}
	})
}

// registerOutboundMetrics registers the outbound collectors into a
// config's registry; registering them again into the same one is fine.
func registerOutboundMetrics(reg *prometheus.Registry) {
	initOutboundCollectors()
	c := &outboundCollectors
	registerOnce(reg, c.published, c.enqueued, c.deliveries, c.duration, c.subs)
}

// outboundMetrics implements outbound.Metrics on the process's collectors.
// outboundMetrics feeds the outbound collectors for one app.
type outboundMetrics struct{ app *App }

// EventPublished counts a published event and its deliveries.
func (outboundMetrics) EventPublished(deliveries int, duplicate bool) {
	initOutboundCollectors()
	if duplicate {
		outboundCollectors.published.WithLabelValues("true").Inc()
		return
	}
	outboundCollectors.published.WithLabelValues("false").Inc()
	outboundCollectors.enqueued.Add(float64(deliveries))
}

// DeliveryAttempted counts an attempt and observes its duration.
func (outboundMetrics) DeliveryAttempted(outcome string, took time.Duration) {
	initOutboundCollectors()
	outboundCollectors.deliveries.WithLabelValues(outcome).Inc()
	outboundCollectors.duration.WithLabelValues(outcome).Observe(took.Seconds())
}

// WatchSubscriptions keeps the dispatcher's count of subscriptions by
// status for its app, whose Start points the gauge at it.
func (m outboundMetrics) WatchSubscriptions(count func() map[string]int) {
	m.app.subscriptionCounts = count
}

// subscriptionsCollector reports subscriptions by status at collection
// time, so a pause that has expired is counted as active.
type subscriptionsCollector struct {
	desc  *prometheus.Desc
	count atomic.Pointer[func() map[string]int]
}

// Describe sends the gauge's description.
func (s *subscriptionsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect sends one gauge per status.
func (s *subscriptionsCollector) Collect(ch chan<- prometheus.Metric) {
	f := s.count.Load()
	if f == nil || *f == nil {
		return
	}
	for status, n := range (*f)() {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, float64(n), status)
	}
}

// Interface guard
var _ outbound.Metrics = outboundMetrics{}
