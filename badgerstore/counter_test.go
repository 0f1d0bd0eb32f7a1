package badgerstore

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

func TestCounterGaplessConcurrent(t *testing.T) {
	s := openTest(t, Process)
	const goroutines, each = 32, 200
	seqs := make([][]uint64, goroutines)
	errs := make(chan error, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				j := &store.Job{Queue: "q", ID: store.NewID(), ReadyAt: time.Now(), CounterKey: "sub_1"}
				if err := s.Write(t.Context(), &store.Batch{Enqueue: []*store.Job{j}}); err != nil {
					errs <- err
					return
				}
				seqs[g] = append(seqs[g], j.Seq)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := make([]bool, goroutines*each+1)
	for _, ss := range seqs {
		prev := uint64(0)
		for _, n := range ss {
			if n == 0 || n > goroutines*each {
				t.Fatalf("seq %d out of range", n)
			}
			if seen[n] {
				t.Fatalf("seq %d assigned twice", n)
			}
			if n <= prev {
				t.Fatalf("one producer got seq %d after %d", n, prev)
			}
			seen[n], prev = true, n
		}
	}
	for n := 1; n <= goroutines*each; n++ {
		if !seen[n] {
			t.Fatalf("seq %d missing", n)
		}
	}
	if c, err := s.Counter("sub_1"); err != nil || c != goroutines*each {
		t.Fatalf("Counter = %d, %v", c, err)
	}
	depth(t, s, "q", goroutines*each)
}

func TestCounterNotAdvancedByDuplicate(t *testing.T) {
	s := openTest(t, Process)
	enq := func(claim string) (*store.Job, error) {
		j := &store.Job{Queue: "q", ID: store.NewID(), CounterKey: "c"}
		err := s.Write(t.Context(), &store.Batch{
			Claims:  []store.Claim{{Scope: "s", Key: claim, TTL: time.Hour}},
			Enqueue: []*store.Job{j},
		})
		return j, err
	}
	j1, err := enq("a")
	if err != nil || j1.Seq != 1 {
		t.Fatalf("first: seq %d, %v", j1.Seq, err)
	}
	if _, err := enq("a"); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate: %v", err)
	}
	j3, err := enq("b")
	if err != nil || j3.Seq != 2 {
		t.Fatalf("after duplicate: seq %d, %v (want 2)", j3.Seq, err)
	}
	// Two counters in one batch, and a counter shared by two jobs.
	a := &store.Job{Queue: "q", ID: "x1", CounterKey: "c"}
	b := &store.Job{Queue: "q", ID: "x2", CounterKey: "d"}
	c := &store.Job{Queue: "q", ID: "x3", CounterKey: "c"}
	write(t, s, &store.Batch{Enqueue: []*store.Job{a, b, c}})
	if a.Seq != 3 || b.Seq != 1 || c.Seq != 4 {
		t.Fatalf("seqs %d %d %d, want 3 1 4", a.Seq, b.Seq, c.Seq)
	}
	if n, _ := s.Counter("never"); n != 0 {
		t.Fatalf("unused counter = %d", n)
	}
}
