package badgerstore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

func TestDedupe(t *testing.T) {
	s := openTest(t, Process)
	claim := func(key string, ttl time.Duration) *store.Batch {
		return &store.Batch{Claims: []store.Claim{{Scope: "recv", Key: key, TTL: ttl}}}
	}
	tests := []struct {
		name    string
		first   *store.Batch
		wait    time.Duration
		second  *store.Batch
		wantErr error
	}{
		{"new key", claim("a", time.Hour), 0, claim("b", time.Hour), nil},
		{"within ttl", claim("c", time.Hour), 0, claim("c", time.Hour), store.ErrDuplicate},
		{"other scope", claim("d", time.Hour), 0,
			&store.Batch{Claims: []store.Claim{{Scope: "other", Key: "d", TTL: time.Hour}}}, nil},
		{"no ttl never expires", claim("e", 0), 1100 * time.Millisecond, claim("e", time.Hour), store.ErrDuplicate},
		// Badger expires at whole seconds and a claim lives at least its
		// TTL, so a 500ms claim is gone after at most 1.5s.
		{"after ttl", claim("f", 500*time.Millisecond), 1600 * time.Millisecond, claim("f", time.Hour), nil},
		{"one of several held", claim("g", time.Hour), 0,
			&store.Batch{Claims: []store.Claim{
				{Scope: "recv", Key: "g2", TTL: time.Hour},
				{Scope: "recv", Key: "g", TTL: time.Hour},
			}}, store.ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			write(t, s, tt.first)
			time.Sleep(tt.wait)
			err := s.Write(context.Background(), tt.second)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("second write: got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestClaimLivesAtLeastTTL(t *testing.T) {
	s := openTest(t, Process)
	// A 1s TTL must not expire at the next whole second, which may be a
	// millisecond away.
	write(t, s, &store.Batch{Claims: []store.Claim{{Scope: "s", Key: "k", TTL: time.Second}}})
	time.Sleep(900 * time.Millisecond)
	held, err := s.Claimed("s", "k")
	if err != nil {
		t.Fatal(err)
	}
	if !held {
		t.Fatal("claim with 1s TTL expired within 900ms")
	}
}

func TestDuplicateWritesNothing(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{Claims: []store.Claim{{Scope: "recv", Key: "evt", TTL: time.Hour}}})
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("keep", "k1", time.Now())}})

	dup := &store.Batch{
		Claims: []store.Claim{
			{Scope: "recv", Key: "fresh", TTL: time.Hour},
			{Scope: "recv", Key: "evt", TTL: time.Hour},
		},
		Enqueue: []*store.Job{{Queue: "q", ID: "j1", ReadyAt: time.Now(), CounterKey: "ctr"}},
		Put:     []store.Record{{Kind: "k", Key: "r", Value: []byte("v")}},
		Done:    []*store.Job{{Queue: "keep", ID: "k1"}},
	}
	if err := s.Write(context.Background(), dup); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("write: got %v, want ErrDuplicate", err)
	}
	if held, _ := s.Claimed("recv", "fresh"); held {
		t.Error("the duplicate batch's other claim was written")
	}
	if _, err := s.Job("q", "j1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("job of duplicate batch: got %v, want ErrNotFound", err)
	}
	if _, err := s.Get("k", "r"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record of duplicate batch: got %v, want ErrNotFound", err)
	}
	if n, _ := s.Counter("ctr"); n != 0 {
		t.Errorf("counter advanced to %d by a duplicate", n)
	}
	if _, err := s.Job("keep", "k1"); err != nil {
		t.Errorf("job done by a duplicate batch: %v", err)
	}
	depth(t, s, "q", 0)
	depth(t, s, "keep", 1)
}

func TestDuplicateConcurrent(t *testing.T) {
	s := openTest(t, Fsync)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = s.Write(context.Background(), &store.Batch{
				Claims:  []store.Claim{{Scope: "recv", Key: "same", TTL: time.Hour}},
				Enqueue: []*store.Job{{Queue: "q", ID: store.NewID(), ReadyAt: time.Now(), CounterKey: "c"}},
			})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, store.ErrDuplicate):
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writes won the same claim, want 1", won)
	}
	depth(t, s, "q", 1)
	if c, _ := s.Counter("c"); c != 1 {
		t.Fatalf("counter = %d, want 1", c)
	}
}

// TestDuplicateInOneGroup puts two requests with the same claim into one
// transaction, which the concurrent test can only hope for.
func TestDuplicateInOneGroup(t *testing.T) {
	s := openTest(t, Process)
	a := newTestRequest(&store.Batch{
		Claims:  []store.Claim{{Scope: "s", Key: "k", TTL: time.Hour}},
		Enqueue: []*store.Job{job("q", "a", time.Now())},
	})
	b := newTestRequest(&store.Batch{
		Claims:  []store.Claim{{Scope: "s", Key: "k", TTL: time.Hour}},
		Enqueue: []*store.Job{job("q", "b", time.Now())},
	})
	c := &committer{s: s}
	c.process([]*request{a, b})
	if a.err != nil {
		t.Fatalf("first: %v", a.err)
	}
	if !errors.Is(b.err, store.ErrDuplicate) {
		t.Fatalf("second: got %v, want ErrDuplicate", b.err)
	}
	if _, err := s.Job("q", "b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job of the duplicate: got %v, want ErrNotFound", err)
	}
	depth(t, s, "q", 1)
}

// newTestRequest returns a request as Write would queue it.
func newTestRequest(b *store.Batch) *request {
	return &request{batch: b, size: batchSize(b), done: make(chan struct{}, 1)}
}
