package badgerstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// visited returns how many keys Lease and NextReady have stepped over in a
// queue.
func visited(s *Store, queue string) uint64 {
	q := s.queues.get(queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.visited
}

// TestCursorSkipsTombstones checks that leasing after many jobs were done
// does not step over their tombstones again.
func TestCursorSkipsTombstones(t *testing.T) {
	s := openTest(t, Process)
	const doneJobs, remaining, chunk = 50000, 10, 2000
	base := time.Now().Add(-time.Hour)
	mk := func(i int) *store.Job {
		return &store.Job{Queue: "q", ID: fmt.Sprintf("%08d", i), ReadyAt: base.Add(time.Duration(i)), Payload: []byte("p")}
	}
	for i := 0; i < doneJobs+remaining; i += chunk {
		jobs := make([]*store.Job, 0, chunk)
		for k := i; k < min(i+chunk, doneJobs+remaining); k++ {
			jobs = append(jobs, mk(k))
		}
		write(t, s, &store.Batch{Enqueue: jobs})
	}
	for leased := 0; leased < doneJobs; {
		jobs, err := s.Lease("q", time.Now(), min(chunk, doneJobs-leased))
		if err != nil {
			t.Fatal(err)
		}
		write(t, s, &store.Batch{Done: jobs})
		leased += len(jobs)
	}
	depth(t, s, "q", remaining)

	// From the cursor, only the remaining jobs are visited.
	before := visited(s, "q")
	if _, _, err := s.NextReady("q"); err != nil {
		t.Fatal(err)
	}
	cost := visited(s, "q") - before
	if cost > remaining+1 {
		t.Fatalf("NextReady from the cursor visited %d keys, want at most %d", cost, remaining+1)
	}
	before = visited(s, "q")
	got, err := s.Lease("q", time.Now(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != remaining || got[0].ID != fmt.Sprintf("%08d", doneJobs) {
		t.Fatalf("leased %d jobs starting at %v", len(got), ids(got))
	}
	if cost := visited(s, "q") - before; cost > 2*remaining {
		t.Fatalf("Lease from the cursor visited %d keys for %d jobs", cost, remaining)
	}

	// Control: from the start of the queue the same lease steps over the
	// tombstones, so the counter does measure them.
	s.Release(got...)
	q := s.queues.get("q")
	q.mu.Lock()
	q.cursor = q.prefix
	q.mu.Unlock()
	before = visited(s, "q")
	if _, err := s.Lease("q", time.Now(), 100); err != nil {
		t.Fatal(err)
	}
	if cost := visited(s, "q") - before; cost < doneJobs {
		t.Fatalf("lease from the queue start visited only %d keys; the test cannot see tombstones", cost)
	}
}

// TestCursorLoweredByEarlierJobs checks that jobs written below the cursor
// (an earlier ready time) are still leased.
func TestCursorLoweredByEarlierJobs(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now()
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "m", now.Add(-time.Minute))}})
	sameIDs(t, "first", lease(t, s, "q", 5), "m")
	tests := []struct {
		name  string
		batch *store.Batch
		want  string
	}{
		{"enqueue earlier", &store.Batch{Enqueue: []*store.Job{job("q", "e", now.Add(-time.Hour))}}, "e"},
		{"enqueue same time lower id", &store.Batch{Enqueue: []*store.Job{job("q", "a", now.Add(-time.Minute))}}, "a"},
		{"reschedule earlier", &store.Batch{Reschedule: []*store.Job{job("q", "m", now.Add(-2*time.Hour))}}, "m"},
	}
	for _, tt := range tests {
		write(t, s, tt.batch)
		sameIDs(t, tt.name, lease(t, s, "q", 5), tt.want)
	}
	// Exhume below the cursor.
	write(t, s, &store.Batch{Bury: []*store.Job{job("q", "e", now)}})
	write(t, s, &store.Batch{Exhume: []*store.Job{job("q", "e", now.Add(-3*time.Hour))}})
	sameIDs(t, "exhume earlier", lease(t, s, "q", 5), "e")
}
