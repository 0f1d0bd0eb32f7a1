package outbound

import (
	"encoding/json"
	"strings"
	"time"
)

// Subscription statuses.
const (
	// StatusActive subscriptions receive deliveries.
	StatusActive = "active"
	// StatusPaused subscriptions queue deliveries until StatusUntil, after
	// a failure or when the breaker trips.
	StatusPaused = "paused"
	// StatusDisabled subscriptions receive nothing until reactivated;
	// events published meanwhile are not queued for them.
	StatusDisabled = "disabled"
)

// Formats of a delivery's body.
const (
	FormatStandard = "standard"
	FormatXTND     = "xtnd"
	FormatXena     = "xena"
	FormatRaw      = "raw"
)

// IDPrefix starts every subscription id.
const IDPrefix = "sub_"

// recordKind is the store record kind of subscriptions, keyed by id.
const recordKind = "subscription"

// Subscription is one subscriber endpoint and its settings, as the API
// shows it. Secret is filled in only where the API returns it (on create
// and from the secret endpoint).
type Subscription struct {
	ID           string                     `json:"id"`
	URL          string                     `json:"url"`
	Name         string                     `json:"name"`
	ContactEmail string                     `json:"contact_email"`
	Events       []string                   `json:"events"`
	EntityID     string                     `json:"entity_id"`
	Filter       map[string]json.RawMessage `json:"filter"`
	Format       string                     `json:"format"`
	Signature    string                     `json:"signature"`
	Secret       string                     `json:"secret,omitempty"`
	Headers      map[string]string          `json:"headers"`
	Active       bool                       `json:"active"`
	Status       string                     `json:"status"`
	StatusReason string                     `json:"status_reason"`
	StatusUntil  *time.Time                 `json:"status_until"`
	IncrementID  uint64                     `json:"increment_id"`
	Policy       Policy                     `json:"policy"`
	CreatedAt    time.Time                  `json:"created_at"`
	UpdatedAt    time.Time                  `json:"updated_at"`
}

// record is a subscription as stored: the API fields plus the state the
// delivery rules keep.
type record struct {
	Subscription
	// RetryAt holds the queue until the next retry of a failed delivery,
	// so the hold survives a restart.
	RetryAt time.Time `json:"retry_at,omitzero"`
	// Failures are the recent failure times the breaker counts.
	Failures []time.Time `json:"failures,omitempty"`
}

// queueOf returns the delivery queue of a subscription.
func queueOf(id string) string { return QueuePrefix + id }

// counterOf returns the store counter that numbers a subscription's
// deliveries (increment_id).
func counterOf(id string) string { return "outbound/" + id + "/increment_id" }

// subscriptionOfQueue returns the subscription id a queue belongs to.
func subscriptionOfQueue(queue string) string { return strings.TrimPrefix(queue, QueuePrefix) }

// effective returns the subscription as of now: a pause that has expired
// reads as active.
func (r *record) effective(now time.Time) Subscription {
	s := r.Subscription
	if s.Status == StatusPaused && (s.StatusUntil == nil || !s.StatusUntil.After(now)) {
		s.Status, s.StatusReason, s.StatusUntil = StatusActive, "", nil
	}
	s.Active = s.Status != StatusDisabled
	return s
}

// heldUntil is when the subscription's queue may deliver again: never while
// disabled (reported as far ahead), else the later of a pause and a retry
// wait.
func (r *record) heldUntil(now time.Time) time.Time {
	switch r.Status {
	case StatusDisabled:
		return now.Add(time.Hour) // looked at again hourly; reactivation resumes at once
	case StatusPaused:
		if r.StatusUntil != nil && r.StatusUntil.After(r.RetryAt) {
			return *r.StatusUntil
		}
	}
	return r.RetryAt
}

// clone returns a deep copy that may be changed without touching r.
func (r *record) clone() *record {
	c := *r
	c.Events = append([]string(nil), r.Events...)
	c.Failures = append([]time.Time(nil), r.Failures...)
	if r.Filter != nil {
		c.Filter = make(map[string]json.RawMessage, len(r.Filter))
		for k, v := range r.Filter {
			c.Filter[k] = v
		}
	}
	if r.Headers != nil {
		c.Headers = make(map[string]string, len(r.Headers))
		for k, v := range r.Headers {
			c.Headers[k] = v
		}
	}
	if r.StatusUntil != nil {
		t := *r.StatusUntil
		c.StatusUntil = &t
	}
	return &c
}
