package badgerstore

import (
	"errors"
	"fmt"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// Get implements store.Store.
func (s *Store) Get(kind, key string) ([]byte, error) {
	return s.value(recordKey(kind, key), "get "+kind+"/"+key)
}

// value reads one key's value; what names it in errors.
func (s *Store) value(k []byte, what string) ([]byte, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	var v []byte
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(k)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: %s: %w", what, err)
	}
	return v, nil
}

// List implements store.Store. A returned record's TTL is the time it has
// left (0 for records without one).
func (s *Store) List(kind, prefix, cursor string, limit int) ([]store.Record, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.closeMu.RUnlock()
	kindPrefix := queuePrefix(tagRecord, kind)
	var recs []store.Record
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: recordKey(kind, prefix)})
		defer it.Close()
		start := recordKey(kind, prefix)
		if cursor > prefix {
			start = recordKey(kind, cursor)
		}
		now := time.Now()
		for it.Seek(start); it.Valid(); it.Next() {
			if limit > 0 && len(recs) >= limit {
				break
			}
			item := it.Item()
			key := string(item.Key()[len(kindPrefix):])
			if cursor != "" && key <= cursor {
				continue // start after the cursor
			}
			v, err := item.ValueCopy(nil)
			if err != nil {
				return err
			}
			r := store.Record{Kind: kind, Key: key, Value: v}
			if exp := item.ExpiresAt(); exp > 0 {
				r.TTL = time.Unix(int64(exp), 0).Sub(now)
			}
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("badgerstore: list %s/%s: %w", kind, prefix, err)
	}
	return recs, nil
}

// Claimed implements store.Store.
func (s *Store) Claimed(scope, key string) (bool, error) {
	if err := s.enter(); err != nil {
		return false, err
	}
	defer s.closeMu.RUnlock()
	held := false
	err := s.db.View(func(txn *badger.Txn) error {
		_, err := txn.Get(claimKey(scope, key))
		switch {
		case err == nil:
			held = true
		case errors.Is(err, badger.ErrKeyNotFound):
		default:
			return err
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("badgerstore: claimed %s/%s: %w", scope, key, err)
	}
	return held, nil
}

// Counter implements store.Store.
func (s *Store) Counter(key string) (uint64, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.closeMu.RUnlock()
	var n uint64
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		n, _, err = getUint64(txn, counterKey(key))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("badgerstore: counter %s: %w", key, err)
	}
	return n, nil
}
