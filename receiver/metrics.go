package receiver

import "time"

// Outcomes of a request from a provider, as passed to Metrics.Request.
const (
	RequestAccepted         = "accepted"           // verified, new, durably stored
	RequestDuplicate        = "duplicate"          // verified, already seen
	RequestUnauthorized     = "unauthorized"       // no verify line passed (401)
	RequestBadRequest       = "bad_request"        // unreadable body, missing dedupe or sequence value (400)
	RequestTooLarge         = "too_large"          // body over max_body (413)
	RequestMethodNotAllowed = "method_not_allowed" // not a POST (405)
	RequestUnavailable      = "unavailable"        // store failed or slower than ack_timeout (503)
)

// Outcomes of one forwarding attempt, as passed to Metrics.Forward.
const (
	ForwardDelivered = "delivered" // the app answered 2xx
	ForwardFailed    = "failed"    // the app failed; the event will be retried
	ForwardDead      = "dead"      // the event became a dead letter
)

// Metrics receives a receiver's measurements. Implementations must be safe
// for concurrent use; package caddymodule exports them to Prometheus.
type Metrics interface {
	// Request counts one provider request by outcome.
	Request(receiver, outcome string)
	// Ack observes the time from a request's arrival to its acknowledgement
	// (accepted or duplicate).
	Ack(receiver string, d time.Duration)
	// Forward counts one forwarding attempt or burial by outcome.
	Forward(receiver, outcome string)
	// Gap counts one newly detected gap of missing sequence numbers.
	Gap(receiver string, missing uint64)
}

// NopMetrics discards every measurement.
type NopMetrics struct{}

// Request does nothing.
func (NopMetrics) Request(string, string) {}

// Ack does nothing.
func (NopMetrics) Ack(string, time.Duration) {}

// Forward does nothing.
func (NopMetrics) Forward(string, string) {}

// Gap does nothing.
func (NopMetrics) Gap(string, uint64) {}
