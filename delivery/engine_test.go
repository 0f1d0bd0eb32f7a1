package delivery

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/store"
)

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir(), Durability: badgerstore.Process})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func enqueue(t *testing.T, st store.Store, queue string, n int) []string {
	t.Helper()
	var ids []string
	b := &store.Batch{}
	now := time.Now()
	for i := range n {
		id := store.NewID()
		ids = append(ids, id)
		b.Enqueue = append(b.Enqueue, &store.Job{Queue: queue, ID: id, ReadyAt: now, CreatedAt: now, Payload: []byte(fmt.Sprint(i))})
	}
	if err := st.Write(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return ids
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func startEngine(t *testing.T, st store.Store, targets map[string]Target) *Engine {
	t.Helper()
	e := &Engine{Store: st, Prefix: "t/", Resolve: func(q string) (Target, bool) {
		tg, ok := targets[q]
		return tg, ok
	}}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

func TestEngineDeliversEveryJobOnce(t *testing.T) {
	st := openStore(t)
	ids := enqueue(t, st, "t/a", 200) // queued before Start: found by Start
	var c onceCounter
	startEngine(t, st, map[string]Target{"t/a": {Concurrency: 8, Deliver: c.deliver}})
	waitFor(t, "all delivered", func() bool {
		d, _ := st.Depth("t/a")
		return d == 0
	})
	c.check(t, len(ids))
}

// onceCounter is a target that succeeds and counts deliveries by job id.
type onceCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *onceCounter) deliver(_ context.Context, j *store.Job) Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	c.seen[j.ID]++
	return Result{Outcome: Succeeded}
}

// distinct is how many different jobs were delivered.
func (c *onceCounter) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// check fails unless want distinct jobs were each delivered exactly once.
func (c *onceCounter) check(t *testing.T, want int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.seen) != want {
		t.Fatalf("delivered %d distinct jobs, want %d", len(c.seen), want)
	}
	for id, n := range c.seen {
		if n != 1 {
			t.Errorf("job %s delivered %d times", id, n)
		}
	}
}

func TestEngineHoldsQueueAfterFailureWithoutSpinning(t *testing.T) {
	st := openStore(t)
	var attempts atomic.Int32
	var times []time.Time
	var mu sync.Mutex
	const hold = 150 * time.Millisecond
	e := startEngine(t, st, map[string]Target{"t/down": {Concurrency: 4, Deliver: func(ctx context.Context, j *store.Job) Result {
		n := attempts.Add(1)
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		if n <= 3 {
			j.Attempt++
			return Result{Outcome: Retry, HoldUntil: time.Now().Add(hold)}
		}
		return Result{Outcome: Succeeded}
	}}})
	enqueue(t, st, "t/down", 1)
	e.Kick("t/down")
	waitFor(t, "success after three failures", func() bool {
		d, _ := st.Depth("t/down")
		return d == 0
	})
	if got := attempts.Load(); got != 4 {
		t.Fatalf("attempts = %d, want 4 (3 failures, 1 success): a held queue must not be retried early", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < hold-10*time.Millisecond {
			t.Errorf("attempt %d came %v after the previous one; the hold is %v", i+1, gap, hold)
		}
	}
}

func TestEngineIsolatesTargets(t *testing.T) {
	st := openStore(t)
	stuck := make(chan struct{})
	defer close(stuck)
	var fast atomic.Int32
	e := startEngine(t, st, map[string]Target{
		"t/slow": {Concurrency: 2, Deliver: func(ctx context.Context, j *store.Job) Result {
			select {
			case <-stuck:
			case <-ctx.Done():
			}
			return Result{Outcome: Succeeded}
		}},
		"t/fast": {Concurrency: 2, Deliver: func(ctx context.Context, j *store.Job) Result {
			fast.Add(1)
			return Result{Outcome: Succeeded}
		}},
	})
	enqueue(t, st, "t/slow", 20)
	enqueue(t, st, "t/fast", 100)
	e.Kick("t/slow")
	e.Kick("t/fast")
	waitFor(t, "the fast target's jobs", func() bool { return fast.Load() == 100 })
	if d, _ := st.Depth("t/slow"); d != 20 {
		t.Fatalf("slow queue depth = %d, want 20 (none done while stuck)", d)
	}
}

func TestEngineOrderedQueueKeepsOrderAcrossRetries(t *testing.T) {
	st := openStore(t)
	ids := enqueue(t, st, "t/ord", 30)
	var mu sync.Mutex
	var order []string
	failed := map[string]bool{}
	var inflight, maxInflight atomic.Int32
	startEngine(t, st, map[string]Target{"t/ord": {Concurrency: 1, Deliver: func(ctx context.Context, j *store.Job) Result {
		if n := inflight.Add(1); n > maxInflight.Load() {
			maxInflight.Store(n)
		}
		defer inflight.Add(-1)
		mu.Lock()
		defer mu.Unlock()
		// Every fifth job fails once; it keeps its place and holds the queue.
		if idx := len(order); idx%5 == 0 && !failed[j.ID] {
			failed[j.ID] = true
			j.Attempt++
			return Result{Outcome: Retry, HoldUntil: time.Now().Add(20 * time.Millisecond)}
		}
		order = append(order, j.ID)
		return Result{Outcome: Succeeded}
	}}})
	waitFor(t, "ordered delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == len(ids)
	})
	mu.Lock()
	defer mu.Unlock()
	for i := range ids {
		if order[i] != ids[i] {
			t.Fatalf("position %d: got %s, want %s", i, order[i], ids[i])
		}
	}
	if maxInflight.Load() != 1 {
		t.Fatalf("ordered queue had %d attempts in flight", maxInflight.Load())
	}
}

func TestEngineBuriesDeadJobs(t *testing.T) {
	st := openStore(t)
	ids := enqueue(t, st, "t/dead", 3)
	startEngine(t, st, map[string]Target{"t/dead": {Concurrency: 3, Deliver: func(ctx context.Context, j *store.Job) Result {
		return Result{Outcome: Dead}
	}}})
	waitFor(t, "dead letters", func() bool {
		dead, _ := st.Dead("t/dead", "", 10)
		return len(dead) == len(ids)
	})
	if d, _ := st.Depth("t/dead"); d != 0 {
		t.Fatalf("depth = %d after burying", d)
	}
}

func TestEngineStopReleasesAndNextEngineTakesOver(t *testing.T) {
	st := openStore(t)
	enqueue(t, st, "t/r", 10)
	started := make(chan struct{}, 10)
	first := startHung(t, st, 10, started)
	for range 10 {
		<-started
	}
	var delivered atomic.Int32
	second := startEngine(t, st, map[string]Target{"t/r": {Concurrency: 4, Deliver: func(ctx context.Context, j *store.Job) Result {
		delivered.Add(1)
		return Result{Outcome: Succeeded}
	}}})
	second.Kick("t/r")
	time.Sleep(30 * time.Millisecond)
	if n := delivered.Load(); n != 0 {
		t.Fatalf("second engine delivered %d jobs while the first still owned the queue", n)
	}
	first.Stop()
	waitFor(t, "takeover", func() bool { return delivered.Load() == 10 })
	if d, _ := st.Depth("t/r"); d != 0 {
		// Depth is decremented after the Done write commits.
		waitFor(t, "empty queue", func() bool { d, _ := st.Depth("t/r"); return d == 0 })
	}
}

// startHung starts an engine over every queue under t/ whose target hangs
// until Stop cuts its attempts short; each attempt signals started.
func startHung(t *testing.T, st store.Store, concurrency int, started chan<- struct{}) *Engine {
	t.Helper()
	e := &Engine{Store: st, Prefix: "t/", Grace: 50 * time.Millisecond, Resolve: func(string) (Target, bool) {
		return Target{Concurrency: concurrency, Deliver: func(ctx context.Context, j *store.Job) Result {
			started <- struct{}{}
			<-ctx.Done() // Stop must cut it short and release the job
			return Result{Outcome: Retry}
		}}, true
	}}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	return e
}

// countingStore counts Lease calls on a real store.
type countingStore struct {
	store.Store
	leases atomic.Int32
}

func (c *countingStore) Lease(queue string, now time.Time, max int) ([]*store.Job, error) {
	c.leases.Add(1)
	return c.Store.Lease(queue, now, max)
}

func TestEngineLeasesAheadInBatches(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	const n, conc = 256, 4
	ids := enqueue(t, st, "t/batch", n)
	var delivered atomic.Int32
	startEngine(t, st, map[string]Target{"t/batch": {Concurrency: conc, Deliver: func(ctx context.Context, j *store.Job) Result {
		delivered.Add(1)
		return Result{Outcome: Succeeded}
	}}})
	waitFor(t, "all delivered", func() bool { d, _ := st.Depth("t/batch"); return d == 0 })
	if got := int(delivered.Load()); got != len(ids) {
		t.Fatalf("delivered %d, want %d", got, len(ids))
	}
	// One lease per attempt would be n; batches of 4×concurrency need
	// n/16, plus the leases that found the queue empty.
	if got := int(st.leases.Load()); got > n/conc {
		t.Fatalf("%d leases for %d jobs at concurrency %d; want at most %d", got, n, conc, n/conc)
	}
}

func TestEngineStopReleasesJobsLeasedAhead(t *testing.T) {
	st := openStore(t)
	enqueue(t, st, "t/ahead", 20)
	started := make(chan struct{}, 20)
	// concurrency 2 leases 8 at once: 2 hang in flight, 6 wait ahead
	first := startHung(t, st, 2, started)
	<-started
	<-started
	first.Stop()
	var c onceCounter
	startEngine(t, st, map[string]Target{"t/ahead": {Concurrency: 4, Deliver: c.deliver}})
	waitFor(t, "all 20 delivered by the second engine", func() bool { return c.distinct() == 20 })
	c.check(t, 20)
}

// During a reload the old config's handlers may still enqueue after its
// engine stopped: the wake-up must reach the engine that replaced it, even
// for a queue that engine has never seen.
func TestEngineKickAfterStopReachesItsReplacement(t *testing.T) {
	st := openStore(t)
	var c onceCounter
	old := startEngine(t, st, map[string]Target{"t/late": {Concurrency: 2, Deliver: c.deliver}})
	startEngine(t, st, map[string]Target{"t/late": {Concurrency: 2, Deliver: c.deliver}})
	old.Stop()
	enqueue(t, st, "t/late", 3)
	old.Kick("t/late")
	waitFor(t, "the replacement engine delivers", func() bool { return c.distinct() == 3 })
	c.check(t, 3)
}

// Jobs a stopping engine leased and releases go to the engine that
// replaced it, although nothing else wakes that engine for their queue.
func TestEngineStopHandsReleasedJobsToItsReplacement(t *testing.T) {
	st := openStore(t)
	started := make(chan struct{}, 5)
	old := startHung(t, st, 5, started)
	var c onceCounter
	startEngine(t, st, map[string]Target{"t/held": {Concurrency: 2, Deliver: c.deliver}})
	enqueue(t, st, "t/held", 5)
	old.Kick("t/held") // only the old engine learns of the queue
	for range 5 {
		<-started
	}
	old.Stop()
	waitFor(t, "the replacement engine delivers the released jobs", func() bool { return c.distinct() == 5 })
	c.check(t, 5)
}

// An attempt that outlasts idleExit frees its slot before its retry is
// written (the job stays leased meanwhile, so the queue looks empty): the
// runner must stay for the retry rather than exit as idle and strand it.
func TestEngineKeepsRunnerForRetryOfSlowAttempt(t *testing.T) {
	// restored after the engine's own cleanup has stopped it
	saved := idleExit
	t.Cleanup(func() { idleExit = saved })
	idleExit = 100 * time.Millisecond
	// fsync makes the outcome's write slow enough to lose the race
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir(), Durability: badgerstore.Fsync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	enqueue(t, st, "t/slow", 1)
	var attempts atomic.Int32
	startEngine(t, st, map[string]Target{"t/slow": {Concurrency: 2, Deliver: func(ctx context.Context, j *store.Job) Result {
		if attempts.Add(1) == 1 {
			time.Sleep(idleExit + 50*time.Millisecond)
			j.ReadyAt = time.Now().Add(50 * time.Millisecond)
			return Result{Outcome: Retry}
		}
		return Result{Outcome: Succeeded}
	}}})
	waitFor(t, "the retry attempted", func() bool { return attempts.Load() == 2 })
}
