package badgerstore

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// queueState is the in-memory state of one queue.
type queueState struct {
	name string
	// prefix is q NUL name NUL, the start of the queue's ready index.
	prefix []byte
	// depth counts the queued (not dead) jobs, as of the last commit.
	depth atomic.Int64
	// notify receives a value after a commit that made a job ready.
	notify chan struct{}

	// mu guards the fields below. Lease holds it while it iterates, and
	// the writer takes it to apply a commit's effects, so a Lease never
	// mixes a snapshot with leases from a later commit.
	mu sync.Mutex
	// cursor is where Lease and NextReady start: every unleased job key
	// of the queue is >= cursor. Seeking from the start of the queue
	// instead would step over the tombstones of every job done since the
	// last compaction.
	cursor []byte
	// leased maps the ID of each leased job to the ready time of its key.
	leased map[string]uint64
	// visited counts keys (including tombstones and old versions) that
	// Lease and NextReady stepped over; tests read it.
	visited uint64
}

func newQueueState(name string) *queueState {
	p := queuePrefix(tagReady, name)
	return &queueState{
		name:   name,
		prefix: p,
		notify: make(chan struct{}, 1),
		cursor: p,
		leased: make(map[string]uint64),
	}
}

// lowerCursor moves the cursor back to key if key is below it. q.mu must
// be held.
func (q *queueState) lowerCursor(key []byte) {
	if bytes.Compare(key, q.cursor) < 0 {
		q.cursor = key
	}
}

// signal wakes a waiter on Notify without blocking.
func (q *queueState) signal() {
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// queueSet holds the state of every queue the process has seen.
type queueSet struct {
	mu sync.RWMutex
	m  map[string]*queueState
}

// get returns the state of a queue, creating it if needed.
func (s *queueSet) get(name string) *queueState {
	s.mu.RLock()
	q := s.m[name]
	s.mu.RUnlock()
	if q != nil {
		return q
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q = s.m[name]; q == nil {
		q = newQueueState(name)
		s.m[name] = q
	}
	return q
}

// lookup returns the state of a queue or nil.
func (s *queueSet) lookup(name string) *queueState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[name]
}

// loadDepths counts the jobs of every queue with one key-only scan of the
// id index, which has exactly one key per queued job.
func loadDepths(db *badger.DB, qs *queueSet) error {
	return db.View(func(txn *badger.Txn) error {
		prefix := []byte{tagID, 0}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		var cur *queueState
		var n int64
		flush := func() {
			if cur != nil {
				cur.depth.Add(n)
			}
		}
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()[len(prefix):]
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("malformed id key %q", it.Item().Key())
			}
			// Consecutive keys share a queue; only convert the name to a
			// string when it changes.
			if cur == nil || string(k[:i]) != cur.name {
				flush()
				cur, n = qs.get(string(k[:i])), 0
			}
			n++
		}
		flush()
		return nil
	})
}

// Notify implements store.Store.
func (s *Store) Notify(queue string) <-chan struct{} {
	return s.queues.get(queue).notify
}

// Depth implements store.Store.
func (s *Store) Depth(queue string) (int, error) {
	if s.closed.Load() {
		return 0, store.ErrClosed
	}
	if q := s.queues.lookup(queue); q != nil {
		return int(q.depth.Load()), nil
	}
	return 0, nil
}

// Queues implements store.Store. It lists queues holding queued jobs, in
// name order; a queue holding only dead letters is not listed.
func (s *Store) Queues(prefix string) ([]string, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	s.queues.mu.RLock()
	var names []string
	for name, q := range s.queues.m {
		if strings.HasPrefix(name, prefix) && q.depth.Load() > 0 {
			names = append(names, name)
		}
	}
	s.queues.mu.RUnlock()
	sort.Strings(names)
	return names, nil
}
