package receiver

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/store"
)

// maxDrain is how much of the app's response body is read (and discarded) so
// the connection can be reused.
const maxDrain = 64 << 10

// Target is the forwarder that the delivery engine runs over the queue: up
// to forward_concurrency attempts at once, or one at a time in arrival order
// when the receiver is ordered.
func (r *Receiver) Target() delivery.Target {
	return delivery.Target{Concurrency: r.concurrency, Deliver: r.deliver}
}

// deliver makes one attempt to forward a stored event to the app.
func (r *Receiver) deliver(ctx context.Context, job *store.Job) delivery.Result {
	now := time.Now()
	p, err := decodePayload(job.Payload)
	if err != nil {
		// Nothing can ever forward it; keep it where an operator sees it.
		r.logger.Error("moving an unreadable event to the dead letters",
			zap.String("receiver", r.name), zap.String("id", job.ID), zap.Error(err))
		r.metrics.Forward(r.name, ForwardDead)
		return delivery.Result{Outcome: delivery.Dead}
	}
	if now.Sub(job.CreatedAt) > r.maxAge {
		p.LastError = "not delivered within forward_max_age (" + r.maxAge.String() + ")"
		return r.bury(job, p)
	}

	attempt := job.Attempt + 1
	err = r.post(ctx, job.ID, attempt, p)
	if err == nil {
		r.streak.Store(0)
		r.metrics.Forward(r.name, ForwardDelivered)
		return delivery.Result{Outcome: delivery.Succeeded}
	}
	if ctx.Err() != nil {
		// Caddy is stopping: the engine releases the job untouched.
		return delivery.Result{Outcome: delivery.Retry}
	}

	job.Attempt = attempt
	p.LastError = err.Error()
	p.LastAttemptAt = now.UTC()
	next := now.Add(r.retryDelay(attempt))
	if !next.Before(job.CreatedAt.Add(r.maxAge)) {
		p.LastError += "; not delivered within forward_max_age (" + r.maxAge.String() + ")"
		return r.bury(job, p)
	}
	job.Payload = p.encode()
	r.metrics.Forward(r.name, ForwardFailed)
	r.logger.Warn("forwarding failed; will retry",
		zap.String("receiver", r.name), zap.String("id", job.ID),
		zap.Int("attempt", attempt), zap.Time("retry_at", next), zap.String("reason", p.LastError))

	if r.ordered {
		// The event stays at the head of the queue (its ReadyAt is
		// unchanged) and the whole queue waits for its retry.
		return delivery.Result{Outcome: delivery.Retry, HoldUntil: next}
	}
	job.ReadyAt = next
	res := delivery.Result{Outcome: delivery.Retry}
	// A whole round of consecutive failures means the app looks down: hold
	// the queue, longer with each further round, so a large backlog is not
	// thrown at it event by event. Any success ends the streak.
	if streak := r.streak.Add(1); streak >= int64(r.concurrency) {
		rounds := int(streak / int64(r.concurrency))
		res.HoldUntil = now.Add(r.retryDelay(rounds))
	}
	return res
}

// bury turns the event into a dead letter.
func (r *Receiver) bury(job *store.Job, p *payload) delivery.Result {
	job.Payload = p.encode()
	r.metrics.Forward(r.name, ForwardDead)
	r.logger.Error("event not delivered; moved to the dead letters",
		zap.String("receiver", r.name), zap.String("id", job.ID),
		zap.Int("attempts", job.Attempt), zap.Time("received_at", p.ReceivedAt), zap.String("reason", p.LastError))
	return delivery.Result{Outcome: delivery.Dead}
}

// retryDelay is the wait after the n-th failed attempt (n >= 1); the last
// step of the schedule repeats.
func (r *Receiver) retryDelay(n int) time.Duration {
	i := min(max(n-1, 0), len(r.retry)-1)
	return r.retry[i]
}

// post sends the event to the app once. Any 2xx is success.
func (r *Receiver) post(ctx context.Context, id string, attempt int, p *payload) error {
	// p.Header was filtered by ForwardHeader when the event was stored.
	h := p.Header.Clone()
	h.Set(HeaderGatewayID, id)
	h.Set(HeaderAttempt, strconv.Itoa(attempt))
	h.Set(HeaderVerified, p.Verified)
	res := delivery.Post(ctx, r.client, r.forwardTo, h, p.Body, r.forwardTimeout, maxDrain)
	switch {
	case res.Err != nil && res.Status == 0:
		return fmt.Errorf("posting to the app: %w", res.Err)
	case res.Status < 200 || res.Status > 299:
		return fmt.Errorf("app answered %d", res.Status)
	}
	// A 2xx whose body was cut short still means the app took the event.
	return nil
}
