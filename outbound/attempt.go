package outbound

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hookgate/hookgate/store"
)

// Delivery statuses, as the attempt log reports them.
const (
	// DeliveryPending: the attempt is scheduled and not made yet.
	DeliveryPending = "pending"
	// DeliverySucceeded: the attempt delivered the event.
	DeliverySucceeded = "succeeded"
	// DeliveryFailed: the attempt failed; the delivery waits for a retry
	// (or for the subscription's reactivation).
	DeliveryFailed = "failed"
	// DeliveryDead: the attempt failed and the delivery will not be tried
	// again unless retried by hand.
	DeliveryDead = "dead"
)

// Attempt outcomes: which delivery rule decided the attempt.
const (
	OutcomeSucceeded   = "succeeded"   // rule 2
	OutcomeDeleted     = "deleted"     // rule 1: the subscriber asked to unsubscribe
	OutcomeDeactivated = "deactivated" // rule 3
	OutcomeFailed      = "failed"      // rule 4, a retry is scheduled
	OutcomeExhausted   = "exhausted"   // rule 4, the schedule is used up
)

// attemptKind is the store record kind of the attempt log, keyed by
// subscription id, reversed time and delivery id so a subscription's log
// lists newest first.
const attemptKind = "attempt"

// attemptTTL is how long attempt log entries are kept.
const attemptTTL = 30 * 24 * time.Hour

// responseLogLimit bounds the part of a response body kept in the log.
const responseLogLimit = 4 << 10

// jobPayload is what a delivery job carries: the event, and where its
// pending attempt is logged.
type jobPayload struct {
	EventID  string `json:"event_id"`
	Type     string `json:"type"`
	EntityID string `json:"entity_id,omitempty"`
	// Data is left out when the job names a blob holding it.
	Data      json.RawMessage `json:"data,omitempty"`
	Published time.Time       `json:"published"`
	// LogKey is the attempt log entry of the next attempt.
	LogKey string `json:"log_key,omitempty"`
	// RetryBase is the attempt count when the delivery was last retried
	// by hand; the retry schedule starts over from there.
	RetryBase int `json:"retry_base,omitempty"`
}

// encodePayload encodes p as job's payload, leaving out the data when the
// job's blob holds it.
func encodePayload(job *store.Job, p jobPayload) ([]byte, error) {
	if job.Blob != "" {
		p.Data = nil
	}
	return json.Marshal(p)
}

// Attempt is one entry of a subscription's attempt log: an attempt made,
// or, with status pending, the next one scheduled.
type Attempt struct {
	DeliveryID     string     `json:"delivery_id"`
	EventID        string     `json:"event_id"`
	Type           string     `json:"type"`
	IncrementID    uint64     `json:"increment_id"`
	Attempt        int        `json:"attempt"`
	Status         string     `json:"status"`
	Outcome        string     `json:"outcome,omitempty"`
	ScheduledAt    *time.Time `json:"scheduled_at,omitempty"`
	AttemptedAt    *time.Time `json:"attempted_at,omitempty"`
	DurationMS     int64      `json:"duration_ms"`
	ResponseStatus int        `json:"response_status,omitempty"`
	Response       string     `json:"response,omitempty"`
	Error          string     `json:"error,omitempty"`
}

// attemptKey builds a log key that sorts newest first within the
// subscription.
func attemptKey(subID string, at time.Time, deliveryID string) string {
	return fmt.Sprintf("%s/%016x/%s", subID, ^uint64(at.UnixNano()), deliveryID)
}

// pendingAttempt is the log entry of an attempt not yet made.
func pendingAttempt(job jobMeta, p *jobPayload, attempt int, scheduled *time.Time) Attempt {
	return Attempt{
		DeliveryID:  job.id,
		EventID:     p.EventID,
		Type:        p.Type,
		IncrementID: job.seq,
		Attempt:     attempt,
		Status:      DeliveryPending,
		ScheduledAt: scheduled,
	}
}

// jobMeta is what the log needs of a job.
type jobMeta struct {
	id  string
	seq uint64
}

// validDeliveryStatus reports whether s may filter the attempt log.
func validDeliveryStatus(s string) bool {
	switch s {
	case "", DeliveryPending, DeliverySucceeded, DeliveryFailed, DeliveryDead:
		return true
	}
	return false
}
