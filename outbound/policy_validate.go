package outbound

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Bounds of a policy's settings.
const (
	maxTimeout       = 5 * time.Minute
	maxRetrySteps    = 50
	maxRetryStep     = 30 * 24 * time.Hour
	maxPause         = 30 * 24 * time.Hour
	maxConcurrency   = 256
	maxDeleteOnBody  = 1024
	maxSuccessBody   = 4096
	maxBreakerFaults = 100000
)

// Validate checks every field the policy sets; unset fields are not
// checked, since they inherit valid defaults. Its errors name the field.
func (p Policy) Validate() error {
	if p.Timeout != nil {
		if t := time.Duration(*p.Timeout); t <= 0 || t > maxTimeout {
			return fmt.Errorf("timeout must be positive and at most %s, not %s", maxTimeout, t)
		}
	}
	if len(p.RetrySchedule) > maxRetrySteps {
		return fmt.Errorf("retry_schedule has %d steps; at most %d are allowed", len(p.RetrySchedule), maxRetrySteps)
	}
	for i, step := range p.RetrySchedule {
		if s := time.Duration(step); s < 0 || s > maxRetryStep {
			return fmt.Errorf("retry_schedule step %d must be between 0s and %s, not %s", i+1, maxRetryStep, s)
		}
	}
	for _, code := range p.DeactivateOnStatus {
		if code < 100 || code > 599 {
			return fmt.Errorf("deactivate_on_status: %d is not an HTTP status code", code)
		}
	}
	if p.DeleteOnBody != nil && len(*p.DeleteOnBody) > maxDeleteOnBody {
		return fmt.Errorf("delete_on_body is longer than %d bytes", maxDeleteOnBody)
	}
	if p.PauseOnFailure != nil {
		if d := time.Duration(*p.PauseOnFailure); d < 0 || d > maxPause {
			return fmt.Errorf("pause_on_failure must be between 0s and %s, not %s", maxPause, d)
		}
	}
	if b := p.Breaker; b != nil {
		if b.Failures < 0 || b.Failures > maxBreakerFaults {
			return fmt.Errorf("breaker failures must be from 1 to %d, or 0 to turn the breaker off (breaker off in a Caddyfile), not %d", maxBreakerFaults, b.Failures)
		}
		if b.Failures > 0 {
			if w := time.Duration(b.Window); w <= 0 || w > maxPause {
				return fmt.Errorf("breaker window must be positive and at most %s, not %s", maxPause, w)
			}
			if d := time.Duration(b.Pause); d <= 0 || d > maxPause {
				return fmt.Errorf("breaker pause must be positive and at most %s, not %s", maxPause, d)
			}
		}
	}
	if p.SuccessBody != nil {
		if len(p.SuccessBody) > maxSuccessBody {
			return fmt.Errorf("success_body is longer than %d bytes", maxSuccessBody)
		}
		if !json.Valid(p.SuccessBody) {
			return fmt.Errorf("success_body is not valid JSON")
		}
	}
	if p.Concurrency != nil && (*p.Concurrency < 1 || *p.Concurrency > maxConcurrency) {
		return fmt.Errorf("concurrency must be between 1 and %d, not %d", maxConcurrency, *p.Concurrency)
	}
	return nil
}

// successBodyWanted returns the JSON a 2xx response must carry, or nil when
// the policy asks for none (unset, or the JSON string "").
func (p Policy) successBodyWanted() json.RawMessage {
	b := bytes.TrimSpace(p.SuccessBody)
	if len(b) == 0 || bytes.Equal(b, []byte(`""`)) || bytes.Equal(b, []byte("null")) {
		return nil
	}
	return b
}

// timeout returns the per-attempt timeout, DefaultPolicy's if unset.
func (p Policy) timeout() time.Duration {
	if p.Timeout == nil || *p.Timeout <= 0 {
		return time.Duration(*DefaultPolicy().Timeout)
	}
	return time.Duration(*p.Timeout)
}

// concurrency returns the deliveries allowed in flight, at least 1.
func (p Policy) concurrency() int {
	if p.Concurrency == nil || *p.Concurrency < 1 {
		return DefaultConcurrency
	}
	return *p.Concurrency
}

// pauseOnFailure returns the pause after a failure (0: none).
func (p Policy) pauseOnFailure() time.Duration {
	if p.PauseOnFailure == nil {
		return 0
	}
	return time.Duration(*p.PauseOnFailure)
}

// deleteOnBody returns the unsubscribe text ("" : none).
func (p Policy) deleteOnBody() string {
	if p.DeleteOnBody == nil {
		return ""
	}
	return *p.DeleteOnBody
}
