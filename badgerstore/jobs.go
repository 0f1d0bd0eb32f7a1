package badgerstore

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// Job implements store.Store.
func (s *Store) Job(queue, id string) (*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	var j *store.Job
	err := s.db.View(func(txn *badger.Txn) error {
		at, _, found, err := getIndex(txn, idKey(queue, id))
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		j, err = getJob(txn, readyKey(queue, at, id), queue, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: job %s/%s: %w", queue, id, err)
	}
	return j, nil
}

// DeadJob implements store.Store.
func (s *Store) DeadJob(queue, id string) (*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	var j *store.Job
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		j, err = getJob(txn, deadKey(queue, id), queue, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: dead job %s/%s: %w", queue, id, err)
	}
	return j, nil
}

// getJob reads and decodes the job stored under key.
func getJob(txn *badger.Txn, key []byte, queue, id string) (*store.Job, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v, err := item.ValueCopy(nil)
	if err != nil {
		return nil, err
	}
	return decodeJob(queue, id, v)
}

// Dead implements store.Store. Dead letters are listed in ID order, which
// is creation order for IDs made by store.NewID.
func (s *Store) Dead(queue, cursor string, limit int) ([]*store.Job, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	prefix := queuePrefix(tagDead, queue)
	var jobs []*store.Job
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		start := deadKey(queue, cursor)
		for it.Seek(start); it.Valid(); it.Next() {
			if limit > 0 && len(jobs) >= limit {
				break
			}
			item := it.Item()
			id := item.Key()[len(prefix):]
			if cursor != "" && string(id) == cursor {
				continue // start after the cursor
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			j, err := decodeJob(queue, string(id), v)
			if err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: dead %s: %w", queue, err)
	}
	return jobs, nil
}
