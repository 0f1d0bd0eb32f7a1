package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/store"
)

// blobRetry is how long a delivery whose shared data cannot be read (a
// store failure) holds its subscription before trying again.
const blobRetry = 5 * time.Second

// deliver makes one attempt of a job and turns the verdict of the delivery
// rules into the engine's result: the attempt log entry and the job's fate
// are written by the engine in one batch; status changes are written here,
// under the subscription's lock. A failed job keeps its ReadyAt, so it
// stays at the head of its queue, and the queue is held until its retry.
func (d *Dispatcher) deliver(ctx context.Context, job *store.Job) delivery.Result {
	subID := subscriptionOfQueue(job.Queue)
	v, err := d.reg.get(subID)
	if err != nil {
		return delivery.Result{Outcome: delivery.Discard}
	}
	r := v.rec
	if r.Status == StatusDisabled {
		// Disabled after the job was leased: leave it queued, unchanged.
		return delivery.Result{Outcome: delivery.Retry}
	}
	var p jobPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		d.cfg.Logger.Error("unreadable delivery job", zap.String("subscription", subID),
			zap.String("delivery", job.ID), zap.Error(err))
		return delivery.Result{Outcome: delivery.Dead}
	}
	if job.Blob != "" {
		data, err := d.cfg.Store.Blob(job.Blob)
		switch {
		case errors.Is(err, store.ErrNotFound):
			// The store keeps a blob while a job names it, so this is
			// damage: no attempt can ever succeed, and holding the
			// queue for it would stall the subscription.
			d.cfg.Logger.Error("delivery's event data is missing; moving it to the dead letters",
				zap.String("subscription", subID), zap.String("delivery", job.ID), zap.Error(err))
			return delivery.Result{Outcome: delivery.Dead}
		case err != nil:
			// A store failure, to wait out rather than the endpoint's.
			d.cfg.Logger.Error("reading a delivery's event data", zap.String("subscription", subID),
				zap.String("delivery", job.ID), zap.Error(err))
			return delivery.Result{Outcome: delivery.Retry, HoldUntil: time.Now().Add(blobRetry)}
		}
		p.Data = data
	}
	pol := d.policyOf(r)
	job.Attempt++
	res := d.send(ctx, r, pol, job, &p)
	if ctx.Err() != nil {
		// Caddy is stopping: the attempt says nothing about the endpoint.
		job.Attempt--
		return delivery.Result{Outcome: delivery.Retry}
	}
	now := time.Now().UTC()
	v2 := judge(pol, res, job.Attempt-p.RetryBase, now)
	d.reg.stats.count(v2.outcome)
	d.cfg.Metrics.DeliveryAttempted(v2.outcome, res.Took)

	entry := attemptEntry(job, &p, res, v2, now)
	also := &store.Batch{}
	result := delivery.Result{Also: also}
	switch v2.outcome {
	case OutcomeSucceeded:
		entry.Status = DeliverySucceeded
		result.Outcome = delivery.Succeeded
	case OutcomeDeleted:
		d.unsubscribe(subID, v2.detail)
		return delivery.Result{Outcome: delivery.Discard}
	case OutcomeDeactivated:
		d.disable(subID, fmt.Sprintf("deactivated: the endpoint answered %s", v2.detail))
		entry.Status = DeliveryFailed
		result.Outcome = delivery.Retry
		d.logNext(also, job, &p, now, nil)
	case OutcomeExhausted:
		d.disable(subID, fmt.Sprintf("disabled after %d failed attempts, the last: %s", job.Attempt-p.RetryBase, v2.detail))
		entry.Status = DeliveryDead
		result.Outcome = delivery.Dead
	case OutcomeFailed:
		hold := d.recordFailure(subID, pol, now, v2.retryAt, v2.detail)
		entry.Status = DeliveryFailed
		result.Outcome = delivery.Retry
		result.HoldUntil = hold
		d.logNext(also, job, &p, now, &hold)
	}
	if _, err := d.reg.get(subID); err != nil {
		// Deleted meanwhile (through the API): its log is gone, keep it so.
		return delivery.Result{Outcome: delivery.Discard}
	}
	if v2.outcome != OutcomeSucceeded {
		d.cfg.Logger.Warn("delivery failed", zap.String("subscription", subID), zap.String("delivery", job.ID),
			zap.Int("attempt", job.Attempt), zap.String("outcome", v2.outcome), zap.String("reason", v2.detail))
	}
	also.Put = append(also.Put, logRecord(subID, job, &p, entry, now))
	return result
}

// attemptEntry is the log entry of an attempt just made.
func attemptEntry(job *store.Job, p *jobPayload, res response, v verdict, now time.Time) Attempt {
	at := now
	a := Attempt{
		DeliveryID:     job.ID,
		EventID:        p.EventID,
		Type:           p.Type,
		IncrementID:    job.Seq,
		Attempt:        job.Attempt,
		Outcome:        v.outcome,
		AttemptedAt:    &at,
		DurationMS:     res.Took.Milliseconds(),
		ResponseStatus: res.Status,
	}
	if len(res.Body) > responseLogLimit {
		a.Response = string(res.Body[:responseLogLimit])
	} else {
		a.Response = string(res.Body)
	}
	if v.outcome != OutcomeSucceeded {
		a.Error = v.detail
	}
	return a
}

// logRecord stores an attempt log entry under the job's pending key, or
// under a fresh one when the job has none.
func logRecord(subID string, job *store.Job, p *jobPayload, a Attempt, now time.Time) store.Record {
	key := p.LogKey
	if key == "" {
		key = attemptKey(subID, now, job.ID)
	}
	val, _ := json.Marshal(a)
	return store.Record{Kind: attemptKind, Key: key, Value: val, TTL: attemptTTL}
}

// logNext schedules the log entry of the job's next attempt and points the
// job at it. The engine rewrites the job's payload with the outcome.
func (d *Dispatcher) logNext(b *store.Batch, job *store.Job, p *jobPayload, now time.Time, at *time.Time) {
	subID := subscriptionOfQueue(job.Queue)
	current := p.LogKey
	next := attemptKey(subID, now, job.ID)
	if next == current {
		next = attemptKey(subID, now.Add(time.Nanosecond), job.ID)
	}
	a := pendingAttempt(jobMeta{id: job.ID, seq: job.Seq}, p, job.Attempt+1, at)
	val, _ := json.Marshal(a)
	b.Put = append(b.Put, store.Record{Kind: attemptKind, Key: next, Value: val, TTL: attemptTTL})
	p.LogKey = next
	if payload, err := encodePayload(job, *p); err == nil {
		job.Payload = payload
	}
	// The entry just made keeps the old key: it is written by the caller.
	p.LogKey = current
}
