// Package outbound implements hookgate's outbound side: subscriptions,
// publishing, fan-out, signed delivery and the rules that retry, pause,
// disable or delete a subscription. It does not import Caddy.
//
// Each subscription has its own queue (QueuePrefix + id) served by the
// delivery engine with up to the policy's concurrency (DefaultConcurrency)
// attempts in flight. A publish is one durable write that claims the event
// id and enqueues one job per matching subscription, numbered gaplessly by
// the subscription's increment_id counter in the same write.
package outbound

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/store"
)

// QueuePrefix starts the name of every subscription's queue.
const QueuePrefix = "out/"

// DefaultDedupeTTL is how long published event ids are remembered when
// Config.DedupeTTL is zero.
const DefaultDedupeTTL = 72 * time.Hour

// Config holds what the dispatcher needs.
type Config struct {
	Store store.Store
	// Policy holds the delivery rules of every subscription; a
	// subscription's own policy overrides the fields it sets.
	Policy Policy
	// AllowPrivateTargets lets deliveries dial loopback, private and
	// link-local addresses.
	AllowPrivateTargets bool
	// DedupeTTL is how long a published event id is remembered, so that
	// publishing it again fans nothing out. Default DefaultDedupeTTL.
	DedupeTTL time.Duration
	Logger    *zap.Logger
	Metrics   Metrics
	// Kick wakes the worker of a queue after an enqueue.
	Kick func(queue string)
	// Resume wakes it and ends its failure hold (manual retry, reactivation).
	Resume func(queue string)
}

// Dispatcher owns subscriptions and their deliveries. Its methods are safe
// for concurrent use.
type Dispatcher struct {
	cfg    Config
	reg    *registry
	client *http.Client
}

// New builds a dispatcher over the store, loading its subscriptions.
func New(cfg Config) (*Dispatcher, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("outbound: a store is required")
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("outbound policy: %w", err)
	}
	if cfg.DedupeTTL <= 0 {
		cfg.DedupeTTL = DefaultDedupeTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	if cfg.Kick == nil {
		cfg.Kick = func(string) {}
	}
	if cfg.Resume == nil {
		cfg.Resume = func(string) {}
	}
	reg, err := registryFor(cfg.Store)
	if err != nil {
		return nil, fmt.Errorf("outbound: %w", err)
	}
	d := &Dispatcher{cfg: cfg, reg: reg, client: newClient(cfg.AllowPrivateTargets)}
	cfg.Metrics.WatchSubscriptions(func() map[string]int { return reg.statusCounts(time.Now()) })
	return d, nil
}

// Target returns the delivery target of a subscription's queue. The queue
// of a subscription that no longer exists gets a target that discards its
// jobs.
func (d *Dispatcher) Target(queue string) (delivery.Target, bool) {
	id := subscriptionOfQueue(queue)
	v, err := d.reg.get(id)
	if err != nil {
		return delivery.Target{Concurrency: 1, Deliver: discard}, true
	}
	return delivery.Target{
		Concurrency: d.policyOf(v.rec).concurrency(),
		Deliver:     d.deliver,
		HeldUntil:   func(now time.Time) time.Time { return d.heldUntil(id, now) },
	}, true
}

// policyOf returns a subscription's effective policy.
func (d *Dispatcher) policyOf(r *record) Policy {
	return d.cfg.Policy.Merge(r.Policy)
}

// heldUntil tells the engine how long a subscription's queue must wait.
func (d *Dispatcher) heldUntil(id string, now time.Time) time.Time {
	v, err := d.reg.get(id)
	if err != nil {
		return time.Time{} // gone: let its jobs be discarded
	}
	return v.rec.heldUntil(now)
}

// discard removes a job whose subscription no longer exists.
func discard(_ context.Context, job *store.Job) delivery.Result {
	return delivery.Result{Outcome: delivery.Discard}
}
