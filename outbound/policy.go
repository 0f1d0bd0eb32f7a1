package outbound

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("60s", "1h30m", and "d" for days as Caddy allows: "7d", "1d12h");
// a bare number is read as nanoseconds, as Caddy's own durations are.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1m0s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts "60s" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := parseDuration(s)
		if err != nil {
			return fmt.Errorf("invalid duration %q: %w", s, err)
		}
		*d = Duration(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("invalid duration %s", b)
	}
	*d = Duration(n)
	return nil
}

// parseDuration is time.ParseDuration with a "d" unit of 24 hours, as in
// Caddy's durations, so the same values work in the Caddyfile, in JSON
// config and in the API.
func parseDuration(s string) (time.Duration, error) {
	if len(s) > 64 {
		return 0, fmt.Errorf("longer than 64 characters")
	}
	var b strings.Builder
	copied, num := 0, 0 // s[:copied] is in b; s[num:] starts the latest number
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isNumberByte(c):
			if i == 0 || !isNumberByte(s[i-1]) {
				num = i
			}
		case c == 'd':
			days, err := strconv.ParseFloat(s[num:i], 64)
			if err != nil || num < copied {
				return 0, fmt.Errorf("a number of days must come before d")
			}
			b.WriteString(s[copied:num])
			b.WriteString(strconv.FormatFloat(days*24, 'f', -1, 64) + "h")
			copied = i + 1
		}
	}
	b.WriteString(s[copied:])
	return time.ParseDuration(b.String())
}

func isNumberByte(c byte) bool { return c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' }

// DefaultConcurrency is the default number of deliveries in flight to one
// subscription. Eight keeps a subscriber that answers in 2 ms at about 3,000
// deliveries a second while the store commits outcomes in groups.
const DefaultConcurrency = 8

// Breaker disables deliveries to a subscription for Pause after more than
// Failures failures within Window.
type Breaker struct {
	Failures int      `json:"failures"`
	Window   Duration `json:"window"`
	Pause    Duration `json:"pause"`
}

// Policy holds the delivery rules. The app's `outbound` block sets the
// defaults; a subscription's "policy" overrides any field it sets (nil and
// empty fields inherit).
type Policy struct {
	// Timeout bounds one attempt, from dial to the end of the response.
	Timeout *Duration `json:"timeout,omitempty"`
	// RetrySchedule is the wait before each retry; after the last step the
	// subscription is disabled and the delivery kept as dead.
	// An empty, non-nil schedule means no retries (omitzero keeps it apart
	// from an unset one through JSON).
	RetrySchedule []Duration `json:"retry_schedule,omitzero"`
	// DeactivateOnStatus lists the response statuses that disable the
	// subscription at once; an empty, non-nil list deactivates on none.
	DeactivateOnStatus []int `json:"deactivate_on_status,omitzero"`
	// DeleteOnBody deletes the subscription when a response body contains
	// it, compared case-insensitively, whatever the status.
	DeleteOnBody *string `json:"delete_on_body,omitempty"`
	// PauseOnFailure holds new deliveries to the subscription this long
	// after a failure.
	PauseOnFailure *Duration `json:"pause_on_failure,omitempty"`
	// Breaker pauses a subscription that fails too often.
	Breaker *Breaker `json:"breaker,omitempty"`
	// SuccessBody, when set, is JSON that a 2xx response body must also
	// carry (every field given must be present with an equal value). The
	// JSON string "" means no such check.
	SuccessBody json.RawMessage `json:"success_body,omitempty"`
	// Concurrency bounds the deliveries in flight to one subscription.
	// With more than one, deliveries may arrive out of increment_id order;
	// 1 delivers strictly in order. A change applies when the
	// subscription's worker next starts (after a minute idle, or a reload).
	Concurrency *int `json:"concurrency,omitempty"`
}

// DefaultPolicy returns the contract's defaults, taken from the seed
// systems: a 5 s timeout, ePages' 11-step schedule, the shop platform's
// deactivation statuses and unsubscribe text, a 60 s pause after a failure,
// and Xena's breaker (more than 10 failures in 10 minutes: off for an hour).
func DefaultPolicy() Policy {
	timeout := Duration(5 * time.Second)
	pause := Duration(60 * time.Second)
	body := "please unsubscribe me"
	concurrency := DefaultConcurrency
	var schedule []Duration
	for _, s := range []int{60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400} {
		schedule = append(schedule, Duration(time.Duration(s)*time.Second))
	}
	return Policy{
		Timeout:            &timeout,
		RetrySchedule:      schedule,
		DeactivateOnStatus: []int{400, 401, 403, 404, 405, 406, 410, 411},
		DeleteOnBody:       &body,
		PauseOnFailure:     &pause,
		Breaker:            &Breaker{Failures: 10, Window: Duration(10 * time.Minute), Pause: Duration(time.Hour)},
		Concurrency:        &concurrency,
	}
}

// Merge returns p with every field that override sets replaced by the
// override's value.
func (p Policy) Merge(override Policy) Policy {
	if override.Timeout != nil {
		p.Timeout = override.Timeout
	}
	if override.RetrySchedule != nil {
		p.RetrySchedule = override.RetrySchedule
	}
	if override.DeactivateOnStatus != nil {
		p.DeactivateOnStatus = override.DeactivateOnStatus
	}
	if override.DeleteOnBody != nil {
		p.DeleteOnBody = override.DeleteOnBody
	}
	if override.PauseOnFailure != nil {
		p.PauseOnFailure = override.PauseOnFailure
	}
	if override.Breaker != nil {
		p.Breaker = override.Breaker
	}
	if override.SuccessBody != nil {
		p.SuccessBody = override.SuccessBody
	}
	if override.Concurrency != nil {
		p.Concurrency = override.Concurrency
	}
	return p
}
