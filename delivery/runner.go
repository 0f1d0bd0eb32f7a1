package delivery

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// idleExit is how long a runner with an empty queue stays before it exits,
// counted from its last attempt's end; a var for tests.
var idleExit = time.Minute

// maxLeaseBatch bounds the jobs one runner leases ahead of its attempts.
const maxLeaseBatch = 64

// storeRetry is the pause after a store error before the runner tries again.
const storeRetry = time.Second

type runner struct {
	engine *Engine
	queue  string
	target Target
	wake   chan struct{}
	resume chan struct{}

	// holdMu guards hold, which attempt goroutines raise before their
	// outcome releases the job, so the runner never re-leases it early.
	holdMu   sync.Mutex
	hold     time.Time
	inflight int
	finished chan struct{}
	// recording counts outcomes being written after their slot was
	// freed: their jobs are still leased, so the queue looks empty, but
	// a retry may be about to land in it.
	recording atomic.Int32
}

// raiseHold extends the failure hold to t.
func (r *runner) raiseHold(t time.Time) {
	r.holdMu.Lock()
	if t.After(r.hold) {
		r.hold = t
	}
	r.holdMu.Unlock()
}

func (r *runner) run() {
	e := r.engine
	defer e.wg.Done()
	release, err := acquire(e.leaseCtx, e.Store, r.queue)
	if err != nil {
		e.forceForget(r)
		return
	}
	defer release()

	r.finished = make(chan struct{}, r.target.Concurrency)
	notify := e.Store.Notify(r.queue)
	idleSince := time.Now()
	// ahead holds jobs leased in one batch but not attempted yet, in
	// queue order: one scan of the store serves several attempts.
	var ahead []*store.Job
	defer func() { e.Store.Release(ahead...) }()
	for {
		now := time.Now()
		wait := time.Duration(-1) // -1: until an event
		held := r.heldUntil(now)

		if held.After(now) {
			// A hold may mean the head of an ordered queue failed and
			// stays first: give back what was leased behind it, so
			// the next lease starts from the store's order again.
			e.Store.Release(ahead...)
			ahead = nil
			wait = held.Sub(now)
		} else if free := r.target.Concurrency - r.inflight; free > 0 && e.leaseCtx.Err() == nil {
			var err error
			if len(ahead) == 0 {
				ahead, err = e.Store.Lease(r.queue, now, max(free, r.leaseBatch()))
				if err != nil {
					e.Logger.Error("leasing jobs", zap.String("queue", r.queue), zap.Error(err))
					wait = storeRetry
				}
			}
			n := min(free, len(ahead))
			for _, job := range ahead[:n] {
				r.inflight++
				go r.attempt(job)
			}
			ahead = ahead[n:]
			if n > 0 {
				idleSince = now
			}
			if n == free {
				wait = -1 // full: wait for a completion
			} else if err == nil {
				next, ok, err := e.Store.NextReady(r.queue)
				switch {
				case err != nil:
					wait = storeRetry
				case ok:
					wait = max(time.Until(next), time.Millisecond)
				case r.inflight == 0:
					if r.recording.Load() == 0 && time.Since(idleSince) >= idleExit && e.forget(r) {
						return
					}
					wait = idleExit
				}
			}
		}
		if e.leaseCtx.Err() != nil {
			e.Store.Release(ahead...)
			ahead = nil
			r.drain()
			return
		}
		var timer <-chan time.Time
		var t *time.Timer
		if wait >= 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-r.finished:
			r.inflight--
			idleSince = time.Now()
		case <-notify:
		case <-r.wake:
		case <-r.resume:
			// A manual retry or reactivation ends a failure hold.
			r.holdMu.Lock()
			r.hold = time.Time{}
			r.holdMu.Unlock()
		case <-timer:
		case <-e.leaseCtx.Done():
		}
		if t != nil {
			t.Stop()
		}
	}
}

// leaseBatch is how many jobs one lease asks for: a few rounds of the
// target's concurrency, so a busy queue is scanned once per batch rather
// than once per attempt, and at most maxLeaseBatch, which bounds the
// payloads a runner keeps in memory.
func (r *runner) leaseBatch() int {
	return min(4*r.target.Concurrency, maxLeaseBatch)
}

// heldUntil is the later of the failure hold and the target's own hold.
func (r *runner) heldUntil(now time.Time) time.Time {
	r.holdMu.Lock()
	h := r.hold
	r.holdMu.Unlock()
	if r.target.HeldUntil != nil {
		if t := r.target.HeldUntil(now); t.After(h) {
			h = t
		}
	}
	return h
}

// drain waits for the attempts in flight.
func (r *runner) drain() {
	for ; r.inflight > 0; r.inflight-- {
		<-r.finished
	}
}

// attempt delivers one job and durably records its outcome.
//
// With a concurrency above 1 the slot is freed as soon as the target has
// answered, and the outcome is written while the next attempt runs: the
// job stays leased until the write lands, so it is not attempted twice,
// and a queue's throughput is not capped at concurrency divided by the
// time of one sync. An ordered queue (concurrency 1) frees its slot only
// after the write, so a failed write cannot let a later job overtake.
func (r *runner) attempt(job *store.Job) {
	e := r.engine
	res := r.target.Deliver(e.workCtx, job)
	if e.workCtx.Err() != nil && res.Outcome != Succeeded {
		// Cut short by Stop: the attempt says nothing about the target.
		e.Store.Release(job)
		r.finished <- struct{}{}
		return
	}
	r.raiseHold(res.HoldUntil)
	if r.target.Concurrency == 1 {
		r.record(job, res)
		r.finished <- struct{}{}
		return
	}
	e.wg.Add(1) // Stop waits for the write
	r.recording.Add(1)
	r.finished <- struct{}{}
	r.record(job, res)
	r.recording.Add(-1)
	e.wg.Done()
}

// record writes an attempt's outcome (with the target's own records) in
// one durable batch. A failed write releases the job and holds the queue
// briefly, so the job is attempted again rather than lost.
func (r *runner) record(job *store.Job, res Result) {
	e := r.engine
	b := res.Also
	if b == nil {
		b = &store.Batch{}
	}
	switch res.Outcome {
	case Succeeded, Discard:
		b.Done = append(b.Done, job)
	case Retry:
		b.Reschedule = append(b.Reschedule, job)
	case Dead:
		b.Bury = append(b.Bury, job)
	}
	// The outcome must be recorded even while Caddy stops, so the write
	// is not tied to the engine's contexts.
	if err := e.Store.Write(context.Background(), b); err != nil {
		e.Logger.Error("recording delivery outcome", zap.String("queue", r.queue),
			zap.String("job", job.ID), zap.Error(err))
		r.raiseHold(time.Now().Add(storeRetry))
		e.Store.Release(job)
	}
}
