package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// RetryResult reports a manual retry.
type RetryResult struct {
	ID           string `json:"id"`
	Subscription string `json:"subscription"`
	// Was is the delivery's status before the retry: failed or dead.
	Was    string `json:"was"`
	Status string `json:"status"`
}

// Retry delivers a failed or dead delivery again now. A failed delivery is
// still at the head of its queue: the retry wait and any pause are cleared
// and the queue resumes. A dead one is moved back into its queue, ahead of
// the deliveries queued after it, with a fresh retry schedule. Retrying
// needs an enabled subscription; a delivery that has not failed yet is a
// conflict, and an unknown (or already delivered) one is not found.
func (d *Dispatcher) Retry(ctx context.Context, deliveryID string) (RetryResult, error) {
	subID, ok := subscriptionOfDelivery(deliveryID)
	if !ok {
		return RetryResult{}, fmt.Errorf("delivery %s: %w", deliveryID, store.ErrNotFound)
	}
	v, err := d.reg.get(subID)
	if err != nil {
		return RetryResult{}, fmt.Errorf("delivery %s: %w", deliveryID, store.ErrNotFound)
	}
	if v.rec.Status == StatusDisabled {
		return RetryResult{}, conflict("subscription %s is disabled (%s); reactivate it with {\"active\": true} first", subID, v.rec.StatusReason)
	}
	queue := queueOf(subID)
	was := DeliveryFailed
	job, err := d.cfg.Store.Job(queue, deliveryID)
	switch {
	case err == nil:
		if job.Attempt == 0 {
			return RetryResult{}, conflict("delivery %s has not been attempted yet", deliveryID)
		}
	case errors.Is(err, store.ErrNotFound):
		job, err = d.cfg.Store.DeadJob(queue, deliveryID)
		if errors.Is(err, store.ErrNotFound) {
			return RetryResult{}, fmt.Errorf("no failed or dead delivery %s: %w", deliveryID, store.ErrNotFound)
		}
		if err != nil {
			return RetryResult{}, fmt.Errorf("delivery %s: %w", deliveryID, err)
		}
		was = DeliveryDead
	default:
		return RetryResult{}, fmt.Errorf("delivery %s: %w", deliveryID, err)
	}

	now := time.Now().UTC()
	_, err = d.reg.update(ctx, subID, func(r *record, b *store.Batch) error {
		if r.Status == StatusDisabled {
			return conflict("subscription %s is disabled (%s); reactivate it with {\"active\": true} first", subID, r.StatusReason)
		}
		r.RetryAt = time.Time{}
		if r.Status == StatusPaused {
			r.Status, r.StatusReason, r.StatusUntil = StatusActive, "", nil
		}
		r.UpdatedAt = now
		return scheduleRetry(b, job, was, now)
	})
	if err != nil {
		return RetryResult{}, err
	}
	d.cfg.Resume(queue)
	d.cfg.Logger.Info("delivery retried by hand", zap.String("subscription", subID),
		zap.String("delivery", deliveryID), zap.String("was", was))
	return RetryResult{ID: deliveryID, Subscription: subID, Was: was, Status: DeliveryPending}, nil
}

// scheduleRetry adds to the batch what a manual retry writes: a pending
// log entry for the next attempt and, for a dead delivery, its exhumation
// at its original place in the queue with the schedule started over.
func scheduleRetry(b *store.Batch, job *store.Job, was string, now time.Time) error {
	var p jobPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return fmt.Errorf("delivery %s is unreadable: %w", job.ID, err)
	}
	subID := subscriptionOfQueue(job.Queue)
	if was == DeliveryDead {
		p.RetryBase = job.Attempt
		p.LogKey = attemptKey(subID, now, job.ID)
		payload, err := encodePayload(job, p)
		if err != nil {
			return err
		}
		job.Payload = payload
		job.ReadyAt = job.CreatedAt
		b.Exhume = append(b.Exhume, job)
	}
	if p.LogKey == "" {
		return nil
	}
	val, err := json.Marshal(pendingAttempt(jobMeta{id: job.ID, seq: job.Seq}, &p, job.Attempt+1, &now))
	if err != nil {
		return err
	}
	b.Put = append(b.Put, store.Record{Kind: attemptKind, Key: p.LogKey, Value: val, TTL: attemptTTL})
	return nil
}
