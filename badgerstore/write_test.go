package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

func TestWriteCancelledContext(t *testing.T) {
	s := openTest(t, Fsync)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Write(ctx, &store.Batch{
		Claims:  []store.Claim{{Scope: "s", Key: "k"}},
		Enqueue: []*store.Job{job("q", "a", time.Now())},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if held, _ := s.Claimed("s", "k"); held {
		t.Fatal("claim written by a cancelled write")
	}
	if _, err := s.Job("q", "a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job written by a cancelled write: %v", err)
	}
	depth(t, s, "q", 0)
}

// TestWriteAbandoned cancels a write while it waits for a busy writer: it
// must return the context's error and never be applied.
func TestWriteAbandoned(t *testing.T) {
	s := openTest(t, Fsync)
	// Holding the queue's lock stalls the writer after its next commit,
	// when it applies that commit's effects.
	q := s.queues.get("busy")
	q.mu.Lock()
	first := make(chan error, 1)
	go func() {
		first <- s.Write(context.Background(), &store.Batch{Enqueue: []*store.Job{job("busy", "1", time.Now())}})
	}()
	// Wait until the writer has committed the first write.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := s.Job("busy", "1"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			q.mu.Unlock()
			t.Fatal("first write never committed")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := s.Write(ctx, &store.Batch{
		Claims: []store.Claim{{Scope: "s", Key: "abandoned"}},
		Put:    []store.Record{{Kind: "k", Key: "abandoned", Value: []byte("x")}},
	})
	q.mu.Unlock()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first write: %v", err)
	}
	// A later write passes through the writer, which has by then seen
	// and skipped the abandoned one.
	write(t, s, &store.Batch{Put: []store.Record{{Kind: "k", Key: "after"}}})
	if held, _ := s.Claimed("s", "abandoned"); held {
		t.Fatal("abandoned write's claim was applied")
	}
	if _, err := s.Get("k", "abandoned"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("abandoned write's record: %v", err)
	}
}

// maxBatchCount is how many entries fit in one transaction of the store.
func maxBatchCount(s *Store) int {
	o := s.db.Opts()
	return int((15 * o.MemTableSize / 100) / int64(skiplistMaxNodeSize))
}

// skiplistMaxNodeSize mirrors skl.MaxNodeSize (Badger's txn limit is
// counted in skiplist nodes).
const skiplistMaxNodeSize = 96

// puts returns a batch of n small records with keys prefix0..prefixN.
func puts(prefix string, n int) *store.Batch {
	b := &store.Batch{}
	for i := range n {
		b.Put = append(b.Put, store.Record{Kind: "k", Key: fmt.Sprintf("%s%06d", prefix, i), Value: []byte("v")})
	}
	return b
}

func TestTxnTooBig(t *testing.T) {
	s := openTest(t, Process)
	limit := maxBatchCount(s)

	// A batch too big on its own fails and writes nothing.
	err := s.Write(t.Context(), puts("huge", limit+10))
	if !errors.Is(err, badger.ErrTxnTooBig) || !strings.Contains(err.Error(), "too big") {
		t.Fatalf("huge batch: got %v", err)
	}
	if _, err := s.Get("k", "huge000000"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("part of a too-big batch was written: %v", err)
	}

	// Three requests in one group, the second of which overflows the
	// transaction: all three must be committed, the first two in
	// separate transactions, with their effects applied.
	third := limit / 2
	reqs := []*request{
		newTestRequest(&store.Batch{Enqueue: []*store.Job{{Queue: "q", ID: "a", CounterKey: "c"}}, Put: puts("a", third).Put}),
		newTestRequest(&store.Batch{Enqueue: []*store.Job{{Queue: "q", ID: "b", CounterKey: "c"}}, Put: puts("b", third).Put}),
		newTestRequest(&store.Batch{Enqueue: []*store.Job{{Queue: "q", ID: "c", CounterKey: "c"}}}),
		newTestRequest(puts("huge", limit+10)),
		newTestRequest(&store.Batch{Enqueue: []*store.Job{{Queue: "q", ID: "d", CounterKey: "c"}}}),
	}
	c := &committer{s: s}
	c.process(reqs)
	for i, r := range reqs {
		if i == 3 {
			if !errors.Is(r.err, badger.ErrTxnTooBig) {
				t.Fatalf("request %d: got %v, want ErrTxnTooBig", i, r.err)
			}
			continue
		}
		if r.err != nil {
			t.Fatalf("request %d: %v", i, r.err)
		}
		select {
		case <-r.done:
		default:
			t.Fatalf("request %d not answered", i)
		}
	}
	for i, id := range []string{"a", "b", "c", "d"} {
		j, err := s.Job("q", id)
		if err != nil {
			t.Fatalf("job %s: %v", id, err)
		}
		if j.Seq != uint64(i+1) {
			t.Fatalf("job %s has seq %d, want %d", id, j.Seq, i+1)
		}
	}
	if v, err := s.Get("k", fmt.Sprintf("b%06d", third-1)); err != nil || string(v) != "v" {
		t.Fatalf("last record of the second request: %q %v", v, err)
	}
	depth(t, s, "q", 4)
	sameIDs(t, "lease", lease(t, s, "q", 10), "a", "b", "c", "d")
}

func TestCommitFailure(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now().Add(-time.Minute)
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "old", now)}})
	leased := lease(t, s, "q", 1)
	notify := s.Notify("q")
	drain(notify)
	cursor := string(s.queues.get("q").cursor)

	boom := errors.New("disk on fire")
	c := &committer{s: s, commitTxn: func(*badger.Txn) error { return boom }}
	reqs := []*request{
		newTestRequest(&store.Batch{Enqueue: []*store.Job{{Queue: "q", ID: "new", ReadyAt: now.Add(-time.Hour), CounterKey: "c"}}}),
		newTestRequest(&store.Batch{Done: leased}),
		newTestRequest(&store.Batch{Claims: []store.Claim{{Scope: "s", Key: "k"}}}),
	}
	c.process(reqs)
	for i, r := range reqs {
		if !errors.Is(r.err, boom) || !strings.HasPrefix(r.err.Error(), "badgerstore: commit: ") {
			t.Fatalf("request %d: got %v", i, r.err)
		}
	}
	depth(t, s, "q", 1)
	if got := string(s.queues.get("q").cursor); got != cursor {
		t.Fatalf("cursor moved by a failed commit")
	}
	expectNoSignal(t, notify, "a failed commit")
	if n, _ := s.Counter("c"); n != 0 {
		t.Fatalf("counter = %d after a failed commit", n)
	}
	// The lease of the job whose Done failed is still held.
	sameIDs(t, "lease after failed commit", lease(t, s, "q", 5))
	if held, _ := s.Claimed("s", "k"); held {
		t.Fatal("claim of a failed commit is held")
	}
}

func TestCloseWaitsForWrites(t *testing.T) {
	s := openTest(t, Fsync)
	const n = 64
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Write(context.Background(), &store.Batch{Enqueue: []*store.Job{job("q", fmt.Sprint(i), time.Now())}})
		}()
	}
	time.Sleep(5 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrClosed):
		default:
			t.Fatalf("write during close: %v", err)
		}
	}
	// Reopen: exactly the acknowledged writes are there.
	s2 := openDir(t, s.dir, Fsync)
	depth(t, s2, "q", ok)
}
