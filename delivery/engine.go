// Package delivery runs durable queues: it leases ready jobs from a
// store.Store, hands each to its target's Deliver function, and writes the
// outcome (done, retry later, dead) back in one durable batch. The receiver's
// forwarding to the app and the dispatcher's delivery to subscribers both run
// on it; each target (a receiver's app, a subscription) is its own queue with
// its own concurrency limit and hold, so one slow or failing target never
// delays another.
package delivery

import (
	"context"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// Outcome is what became of one attempt.
type Outcome int

const (
	// Succeeded removes the job from its queue.
	Succeeded Outcome = iota
	// Retry rewrites the job as Deliver left it (ReadyAt, Attempt) and
	// releases it.
	Retry
	// Dead moves the job into the queue's dead letters.
	Dead
	// Discard removes the job without success, e.g. its target is gone.
	Discard
)

// Result tells the engine what to do after one attempt.
type Result struct {
	Outcome Outcome
	// HoldUntil, when later than now, stops the queue from leasing any job
	// until then: the target is down or paused.
	HoldUntil time.Time
	// Also is written in the same durable batch as the outcome, for attempt
	// logs and status changes. It may be nil.
	Also *store.Batch
}

// Target is one queue's consumer.
type Target struct {
	// Concurrency bounds the attempts in flight; 1 delivers in order.
	Concurrency int
	// Deliver makes one attempt. It may change job.ReadyAt, job.Attempt
	// and job.Payload before returning Retry or Dead.
	Deliver func(ctx context.Context, job *store.Job) Result
	// HeldUntil, if set, is asked before each lease; a time after now holds
	// the queue (a paused or disabled subscription).
	HeldUntil func(now time.Time) time.Time
}

// Engine runs one runner goroutine per queue under Prefix.
type Engine struct {
	Store  store.Store
	Prefix string
	// Resolve returns the target of a queue, or false when the queue has
	// none (its jobs are left alone).
	Resolve func(queue string) (Target, bool)
	Logger  *zap.Logger
	// Grace is how long Stop lets attempts in flight finish before
	// cancelling them; default 10s.
	Grace time.Duration

	mu        sync.Mutex
	runners   map[string]*runner
	leaseCtx  context.Context
	stopLease context.CancelFunc
	workCtx   context.Context
	stopWork  context.CancelFunc
	wg        sync.WaitGroup
	started   bool
}

// Start launches runners for every queue under Prefix that holds jobs.
func (e *Engine) Start() error {
	if e.Logger == nil {
		e.Logger = zap.NewNop()
	}
	if e.Grace <= 0 {
		e.Grace = 10 * time.Second
	}
	e.mu.Lock()
	e.runners = make(map[string]*runner)
	e.leaseCtx, e.stopLease = context.WithCancel(context.Background())
	e.workCtx, e.stopWork = context.WithCancel(context.Background())
	e.started = true
	e.mu.Unlock()
	register(e)

	queues, err := e.Store.Queues(e.Prefix)
	if err != nil {
		return err
	}
	for _, q := range queues {
		e.Kick(q)
	}
	return nil
}

// Kick makes sure a runner serves the queue and wakes it to look again, after
// an enqueue or a change of its target's status.
func (e *Engine) Kick(queue string) {
	e.poke(queue, false)
}

// Resume is Kick that also ends a failure hold, for a manual retry or a
// reactivated target.
func (e *Engine) Resume(queue string) {
	e.poke(queue, true)
}

func (e *Engine) poke(queue string, resume bool) {
	if !strings.HasPrefix(queue, e.Prefix) {
		return
	}
	e.mu.Lock()
	if !e.started || e.leaseCtx.Err() != nil {
		e.mu.Unlock()
		handOver(e, queue, resume)
		return
	}
	defer e.mu.Unlock()
	r, ok := e.runners[queue]
	if !ok {
		target, found := e.Resolve(queue)
		if !found {
			return
		}
		if target.Concurrency < 1 {
			target.Concurrency = 1
		}
		r = &runner{engine: e, queue: queue, target: target,
			wake: make(chan struct{}, 1), resume: make(chan struct{}, 1)}
		e.runners[queue] = r
		e.wg.Add(1)
		go r.run()
	}
	ch := r.wake
	if resume {
		ch = r.resume
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Stop stops leasing, lets attempts in flight finish for up to Grace, then
// cancels the rest (their jobs are released, not counted as failures) and
// waits for every runner to exit.
func (e *Engine) Stop() {
	e.mu.Lock()
	started := e.started
	e.mu.Unlock()
	if !started {
		return
	}
	// Out of the list first, so that no engine in it is ever stopped and
	// a hand-over never comes back.
	unregister(e)
	e.mu.Lock()
	e.stopLease()
	served := make([]string, 0, len(e.runners))
	for q := range e.runners {
		served = append(served, q)
	}
	e.mu.Unlock()

	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(e.Grace):
		e.stopWork()
		<-done
	}
	e.stopWork()
	// The jobs this engine leased are released now; an engine that took
	// over the store may not know their queues.
	for _, q := range served {
		handOver(e, q, false)
	}
}

// forget removes an idle runner unless a Kick arrived meanwhile; it reports
// whether the runner may exit.
func (e *Engine) forget(r *runner) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-r.wake:
		return false
	case <-r.resume:
		return false
	default:
	}
	delete(e.runners, r.queue)
	return true
}

// forceForget removes a runner that never started serving.
func (e *Engine) forceForget(r *runner) {
	e.mu.Lock()
	if e.runners[r.queue] == r {
		delete(e.runners, r.queue)
	}
	e.mu.Unlock()
}
