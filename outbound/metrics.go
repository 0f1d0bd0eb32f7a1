package outbound

import "time"

// Metrics receives outbound measurements. Implementations must be safe for
// concurrent use; caddymodule exports them to Prometheus.
type Metrics interface {
	// EventPublished counts one published event that fanned out to
	// deliveries subscriptions; a duplicate id fans out to none.
	EventPublished(deliveries int, duplicate bool)
	// DeliveryAttempted records one attempt, by outcome (one of the
	// Outcome constants), and how long it took.
	DeliveryAttempted(outcome string, took time.Duration)
	// WatchSubscriptions hands over a function that counts subscriptions
	// by status, to be called when the metrics are collected.
	WatchSubscriptions(count func() map[string]int)
}

// nopMetrics discards every measurement.
type nopMetrics struct{}

// EventPublished does nothing.
func (nopMetrics) EventPublished(int, bool) {}

// DeliveryAttempted does nothing.
func (nopMetrics) DeliveryAttempted(string, time.Duration) {}

// WatchSubscriptions does nothing.
func (nopMetrics) WatchSubscriptions(func() map[string]int) {}
