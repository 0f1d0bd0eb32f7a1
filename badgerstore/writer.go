package badgerstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

const (
	// requestQueueLen is the capacity of the writer's channel. Producers
	// block on a full channel, so it only needs to exceed the number of
	// concurrent writers the process expects.
	requestQueueLen = 1024
	// maxGroupRequests and maxGroupBytes bound one group commit, so one
	// transaction stays well inside Badger's limit (15% of a memtable)
	// and early callers do not wait for an unbounded group.
	maxGroupRequests = 512
	maxGroupBytes    = 1 << 20
)

// Request states. A request moves from pending to taken (by the writer)
// or to abandoned (by its caller, whose ctx ended), exactly once.
const (
	pending int32 = iota
	taken
	abandoned
)

// request is one Write waiting for the writer.
type request struct {
	batch *store.Batch
	size  int
	state atomic.Int32
	// err is set by the writer before it signals done.
	err  error
	done chan struct{}
}

var requestPool = sync.Pool{
	New: func() any { return &request{done: make(chan struct{}, 1)} },
}

// Write implements store.Store. It returns once the writer has committed
// the batch (durably, as Options.Durability says) or rejected it. If ctx
// ends before the writer takes the batch, Write returns ctx.Err() and the
// batch is never applied; once taken, Write waits for the real outcome.
func (s *Store) Write(ctx context.Context, b *store.Batch) error {
	if err := validateBatch(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.enter(); err != nil {
		return err
	}
	defer s.closeMu.RUnlock()
	if addsData(b) {
		if err := s.space.check(); err != nil {
			return err
		}
	}

	r := requestPool.Get().(*request)
	r.batch, r.size, r.err = b, batchSize(b), nil
	r.state.Store(pending)
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		r.batch = nil
		requestPool.Put(r)
		return ctx.Err()
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(pending, abandoned) {
			// The writer will skip r and never touch it again except to
			// read its state, so r is not returned to the pool.
			return ctx.Err()
		}
		// The writer has taken r: its outcome is the answer.
		<-r.done
	}
	err := r.err
	r.batch, r.err = nil, nil
	requestPool.Put(r)
	return err
}

// runWriter is the only goroutine that writes to Badger. It drains
// whatever requests are waiting and commits them together.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	c := &committer{s: s}
	group := make([]*request, 0, maxGroupRequests)
	for r := range s.reqs {
		group = append(group[:0], r)
		size := r.size
	drain:
		for len(group) < maxGroupRequests && size < maxGroupBytes {
			select {
			case r, ok := <-s.reqs:
				if !ok {
					break drain
				}
				group = append(group, r)
				size += r.size
			default:
				break drain
			}
		}
		c.process(group)
		s.writes.Add(uint64(len(group)))
		clear(group)
	}
}

// committer applies groups of requests. It belongs to one goroutine.
type committer struct {
	s  *Store
	fx effects
	// commitTxn, when set, replaces txn.Commit; tests use it to make a
	// commit fail.
	commitTxn func(*badger.Txn) error
}

// process takes the requests of a group that were not abandoned and
// commits them, running drops on their own.
func (c *committer) process(group []*request) {
	n := 0
	for _, r := range group {
		if r.state.CompareAndSwap(pending, taken) {
			group[n] = r
			n++
		}
	}
	group = group[:n]
	start := 0
	for i, r := range group {
		if len(r.batch.Drop) > 0 {
			c.commitGroup(group[start:i])
			c.drop(r)
			start = i + 1
		}
	}
	c.commitGroup(group[start:])
}

// commitGroup applies reqs in arrival order in one transaction, commits it
// and answers each request. A request that fails part-way (most often
// because the transaction grew too big) cannot be undone inside the
// transaction, so the transaction is discarded, the requests before it are
// committed on their own, and the rest continue in a new transaction.
func (c *committer) commitGroup(reqs []*request) {
	for len(reqs) > 0 {
		txn := c.s.db.NewTransaction(true)
		c.fx.reset()
		failed := -1
		for i, r := range reqs {
			dirty, err := applyBatch(txn, r.batch, &c.fx)
			r.err = err
			if dirty && err != nil {
				failed = i
				break
			}
		}
		if failed < 0 {
			c.commit(txn, reqs)
			return
		}
		txn.Discard()
		c.fx.reset()
		if failed == 0 {
			r := reqs[0]
			if errors.Is(r.err, badger.ErrTxnTooBig) {
				r.err = fmt.Errorf("badgerstore: write: batch too big for one transaction: %w", r.err)
			}
			answer(r)
			reqs = reqs[1:]
			continue
		}
		c.commitGroup(reqs[:failed])
		reqs = reqs[failed:]
	}
}

// commit commits txn, which holds reqs, and answers them. On failure every
// request that had applied cleanly gets the error and no in-memory state
// changes.
func (c *committer) commit(txn *badger.Txn, reqs []*request) {
	commit := (*badger.Txn).Commit
	if c.commitTxn != nil {
		commit = c.commitTxn
	}
	if err := commit(txn); err != nil {
		txn.Discard()
		err = fmt.Errorf("badgerstore: commit: %w", err)
		for _, r := range reqs {
			if r.err == nil {
				r.err = err
			}
		}
	} else {
		c.s.applyEffects(&c.fx)
	}
	c.fx.reset()
	for _, r := range reqs {
		answer(r)
	}
}

// answer wakes the caller of r. The writer must not touch r afterwards.
func answer(r *request) {
	r.done <- struct{}{}
}
