package badgerstore

import (
	"bytes"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// newCursorIterator iterates a queue's ready index with every version of
// every key, tombstones included. Badger would skip tombstones itself, but
// it would still step over each of them; seeing them here lets the caller
// move the cursor past them and lets tests count them. Values are fetched
// only for the jobs taken.
func newCursorIterator(txn *badger.Txn, q *queueState) *badger.Iterator {
	return txn.NewIterator(badger.IteratorOptions{Prefix: q.prefix, AllVersions: true})
}

// scan walks the queue's ready index from its cursor in key order, handing
// each live, unleased job key to visit. Tombstones, older versions and
// leased jobs are stepped over, and so are the keys visit takes: after a
// successful scan the cursor moves past all of them, so no later scan
// walks over them again (a release or an earlier enqueue lowers it). visit
// returns whether it took the key and whether to stop. The caller holds
// q.mu.
func (s *Store) scan(q *queueState, visit func(item *badger.Item, at uint64, id []byte) (taken, stop bool, err error)) error {
	var passed []byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := newCursorIterator(txn, q)
		defer it.Close()
		var last []byte
		for it.Seek(q.cursor); it.Valid(); it.Next() {
			item := it.Item()
			key := item.Key()
			q.visited++
			if bytes.Equal(key, last) {
				continue // an older version of a key already seen
			}
			last = append(last[:0], key...)
			at, id, ok := splitReady(key, len(q.prefix))
			if !ok {
				return fmt.Errorf("malformed key %q", key)
			}
			if !item.IsDeletedOrExpired() {
				if _, held := q.leased[string(id)]; !held {
					taken, stop, err := visit(item, at, id)
					if err != nil {
						return err
					}
					if taken {
						passed = append(passed[:0], key...)
					}
					if stop {
						return nil
					}
					continue
				}
			}
			passed = append(passed[:0], key...)
		}
		return nil
	})
	if err == nil && passed != nil {
		q.cursor = successor(passed)
	}
	return err
}

// Lease implements store.Store.
func (s *Store) Lease(queue string, now time.Time, max int) ([]*store.Job, error) {
	if max <= 0 {
		return nil, nil
	}
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()

	q := s.queues.get(queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	limit := readyNanos(now)
	var jobs []*store.Job
	err := s.scan(q, func(item *badger.Item, at uint64, id []byte) (bool, bool, error) {
		if at > limit {
			return false, true, nil
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return false, true, fmt.Errorf("job %s: %w", id, err)
		}
		j, err := decodeJob(queue, string(id), v)
		if err != nil {
			return false, true, err
		}
		q.leased[j.ID] = at
		jobs = append(jobs, j)
		return true, len(jobs) >= max, nil
	})
	if err != nil {
		// Nothing is handed out: undo this call's leases; the cursor
		// stays where it was.
		for _, j := range jobs {
			delete(q.leased, j.ID)
		}
		return nil, fmt.Errorf("badgerstore: lease %s: %w", queue, err)
	}
	return jobs, nil
}

// Release implements store.Store. It ignores jobs that are not leased.
func (s *Store) Release(jobs ...*store.Job) {
	for _, j := range jobs {
		if j == nil {
			continue
		}
		q := s.queues.lookup(j.Queue)
		if q == nil {
			continue
		}
		q.mu.Lock()
		at, ok := q.leased[j.ID]
		if ok {
			delete(q.leased, j.ID)
			q.lowerCursor(readyKey(j.Queue, at, j.ID))
		}
		q.mu.Unlock()
		if ok {
			q.signal()
		}
	}
}

// NextReady implements store.Store.
func (s *Store) NextReady(queue string) (time.Time, bool, error) {
	if err := s.enter(); err != nil {
		return time.Time{}, false, err
	}
	defer s.closeMu.RUnlock()

	q := s.queues.get(queue)
	q.mu.Lock()
	defer q.mu.Unlock()
	var (
		next  uint64
		found bool
	)
	err := s.scan(q, func(_ *badger.Item, at uint64, _ []byte) (bool, bool, error) {
		next, found = at, true
		return false, true, nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("badgerstore: next ready %s: %w", queue, err)
	}
	if !found {
		return time.Time{}, false, nil
	}
	return time.Unix(0, int64(next)), true, nil
}
