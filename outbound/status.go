package outbound

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// disable turns a subscription off by a delivery rule. It is written at
// once, under the subscription's lock, so that concurrent attempts never
// overwrite each other's status changes.
func (d *Dispatcher) disable(id, reason string) {
	now := time.Now().UTC()
	_, err := d.reg.update(context.Background(), id, func(r *record, _ *store.Batch) error {
		if r.Status == StatusDisabled {
			return errUnchanged
		}
		r.Status, r.StatusReason, r.StatusUntil = StatusDisabled, reason, nil
		r.UpdatedAt = now
		return nil
	})
	if err != nil {
		d.cfg.Logger.Error("disabling subscription", zap.String("subscription", id), zap.Error(err))
		return
	}
	d.cfg.Logger.Warn("subscription disabled", zap.String("subscription", id), zap.String("reason", reason))
}

// recordFailure applies rule 5 after a failed attempt: the queue is held
// until retryAt (persisted, so a restart keeps it), the subscription is
// paused for pause_on_failure, and the breaker counts the failure, pausing
// it for the breaker's time when tripped. It returns when the queue may
// deliver again.
func (d *Dispatcher) recordFailure(id string, pol Policy, now, retryAt time.Time, detail string) time.Time {
	v, err := d.reg.update(context.Background(), id, func(r *record, _ *store.Batch) error {
		if r.Status == StatusDisabled {
			return errUnchanged
		}
		if retryAt.After(r.RetryAt) {
			r.RetryAt = retryAt
		}
		if b := pol.Breaker; b != nil && b.Failures > 0 {
			r.Failures = append(recentFailures(r.Failures, now.Add(-time.Duration(b.Window))), now)
			if len(r.Failures) > b.Failures {
				pause(r, now.Add(time.Duration(b.Pause)), fmt.Sprintf("paused for %s: more than %d failures within %s",
					time.Duration(b.Pause), b.Failures, time.Duration(b.Window)))
				r.Failures = nil
			}
		}
		if p := pol.pauseOnFailure(); p > 0 {
			pause(r, now.Add(p), fmt.Sprintf("paused for %s after a failed delivery: %s", p, detail))
		}
		r.UpdatedAt = now
		return nil
	})
	if err != nil {
		d.cfg.Logger.Error("recording a failure", zap.String("subscription", id), zap.Error(err))
		return retryAt
	}
	return v.rec.heldUntil(now)
}

// pause sets a subscription paused until the given time, unless it is
// already paused for longer.
func pause(r *record, until time.Time, reason string) {
	if r.Status == StatusPaused && r.StatusUntil != nil && !r.StatusUntil.Before(until) {
		return
	}
	until = until.UTC()
	r.Status, r.StatusReason, r.StatusUntil = StatusPaused, reason, &until
}

// recentFailures drops the failure times before since.
func recentFailures(times []time.Time, since time.Time) []time.Time {
	out := times[:0:0]
	for _, t := range times {
		if t.After(since) {
			out = append(out, t)
		}
	}
	return out
}

// unsubscribe deletes a subscription whose endpoint asked for it (rule 1),
// with its queue and attempt log.
func (d *Dispatcher) unsubscribe(id, detail string) {
	if err := d.reg.remove(context.Background(), id); err != nil {
		d.cfg.Logger.Error("deleting subscription", zap.String("subscription", id), zap.Error(err))
		return
	}
	d.cfg.Logger.Warn("subscription deleted by its endpoint", zap.String("subscription", id), zap.String("reason", detail))
	if err := d.deleteLog(context.Background(), id); err != nil {
		d.cfg.Logger.Warn("deleting attempt log", zap.String("subscription", id), zap.Error(err))
	}
}
