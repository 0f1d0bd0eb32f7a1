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
			if at > limit {
				break
			}
			if !item.IsDeletedOrExpired() {
				if _, held := q.leased[string(id)]; !held {
					v, err := item.ValueCopy(nil)
					if err != nil {
						return fmt.Errorf("job %s: %w", id, err)
					}
					j, err := decodeJob(queue, string(id), v)
					if err != nil {
						return err
					}
					q.leased[j.ID] = at
					jobs = append(jobs, j)
				}
			}
			passed = append(passed[:0], key...)
			if len(jobs) >= max {
				break
			}
		}
		return nil
	})
	if err != nil {
		// Nothing is handed out: undo this call's leases and leave the
		// cursor where it was.
		for _, j := range jobs {
			delete(q.leased, j.ID)
		}
		return nil, fmt.Errorf("badgerstore: lease %s: %w", queue, err)
	}
	if passed != nil {
		q.cursor = successor(passed)
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
		next   uint64
		found  bool
		passed []byte
	)
	err := s.db.View(func(txn *badger.Txn) error {
		it := newCursorIterator(txn, q)
		defer it.Close()
		var last []byte
		for it.Seek(q.cursor); it.Valid(); it.Next() {
			item := it.Item()
			key := item.Key()
			q.visited++
			if bytes.Equal(key, last) {
				continue
			}
			last = append(last[:0], key...)
			at, id, ok := splitReady(key, len(q.prefix))
			if !ok {
				return fmt.Errorf("malformed key %q", key)
			}
			if !item.IsDeletedOrExpired() {
				if _, held := q.leased[string(id)]; !held {
					next, found = at, true
					return nil
				}
			}
			// Tombstones and leased jobs are behind the cursor for good
			// (a release lowers it again).
			passed = append(passed[:0], key...)
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("badgerstore: next ready %s: %w", queue, err)
	}
	if passed != nil {
		q.cursor = successor(passed)
	}
	if !found {
		return time.Time{}, false, nil
	}
	return time.Unix(0, int64(next)), true, nil
}
