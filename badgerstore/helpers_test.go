package badgerstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// openTest opens a store in a fresh directory and closes it when the test
// ends.
func openTest(t testing.TB, d Durability) *Store {
	t.Helper()
	return openDir(t, t.TempDir(), d)
}

// openDir opens a store in dir and closes it when the test ends (closing
// twice is harmless).
func openDir(t testing.TB, dir string, d Durability) *Store {
	t.Helper()
	s, err := Open(Options{Dir: dir, Durability: d})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// write commits b or fails the test.
func write(t testing.TB, s *Store, b *store.Batch) {
	t.Helper()
	if err := s.Write(context.Background(), b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// job returns a job of queue q ready at the given time.
func job(q, id string, readyAt time.Time) *store.Job {
	return &store.Job{
		Queue:     q,
		ID:        id,
		ReadyAt:   readyAt,
		CreatedAt: readyAt,
		Payload:   []byte("payload of " + id),
	}
}

// ids returns the IDs of jobs, for comparisons.
func ids(jobs []*store.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// sameIDs fails the test unless jobs have exactly the IDs want, in order.
func sameIDs(t testing.TB, what string, jobs []*store.Job, want ...string) {
	t.Helper()
	got := ids(jobs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// depth fails the test unless the queue's depth is want.
func depth(t testing.TB, s *Store, q string, want int) {
	t.Helper()
	got, err := s.Depth(q)
	if err != nil {
		t.Fatalf("depth %s: %v", q, err)
	}
	if got != want {
		t.Fatalf("depth %s = %d, want %d", q, got, want)
	}
}

// lease leases up to max jobs ready now or fails the test.
func lease(t testing.TB, s *Store, q string, max int) []*store.Job {
	t.Helper()
	jobs, err := s.Lease(q, time.Now(), max)
	if err != nil {
		t.Fatalf("lease %s: %v", q, err)
	}
	return jobs
}
