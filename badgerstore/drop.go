package badgerstore

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// dropChunk is how many keys one round of a drop reads and deletes.
const dropChunk = 10000

// drop runs a request that drops queues. A queue can hold more jobs than
// fit in one transaction, so its keys are deleted in as many transactions
// as needed, before the rest of the batch commits in one more. Claims are
// checked first so a duplicate drops nothing; only the writer writes, so
// they cannot become held in between.
func (c *committer) drop(r *request) {
	err := c.s.db.View(func(txn *badger.Txn) error { return checkClaims(txn, r.batch) })
	if err != nil {
		r.err = err
		answer(r)
		return
	}
	for _, name := range r.batch.Drop {
		if err := c.s.dropQueue(name); err != nil {
			r.err = fmt.Errorf("badgerstore: drop %s: %w", name, err)
			answer(r)
			return
		}
	}
	c.commitGroup([]*request{r})
}

// dropQueue deletes every q, x and z key of a queue and resets its
// in-memory state. It runs on the writer goroutine.
func (s *Store) dropQueue(name string) error {
	var err error
	for _, tag := range [...]byte{tagReady, tagID, tagDead} {
		if err = deletePrefix(s.db, queuePrefix(tag, name)); err != nil {
			break
		}
	}
	q := s.queues.get(name)
	q.mu.Lock()
	// Rewinding the cursor is always safe; it only costs one scan.
	q.cursor = q.prefix
	if err == nil {
		clear(q.leased)
		q.depth.Store(0)
	}
	q.mu.Unlock()
	if err != nil {
		// Part of the queue may be gone: count what is left so Depth
		// stays true. Leases are kept, so the remaining jobs held by a
		// dispatcher are not handed out twice.
		n, cerr := countPrefix(s.db, queuePrefix(tagID, name))
		if cerr != nil {
			s.log.Error("badgerstore: recounting a partly dropped queue", zap.String("queue", name), zap.Error(cerr))
		} else {
			q.depth.Store(n)
		}
		return err
	}
	return nil
}

// deletePrefix deletes every key under prefix, dropChunk keys at a time,
// resuming each round after the last key deleted so it never steps over
// its own tombstones again.
func deletePrefix(db *badger.DB, prefix []byte) error {
	seek := prefix
	keys := make([][]byte, 0, dropChunk)
	for {
		keys = keys[:0]
		err := db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Seek(seek); it.Valid() && len(keys) < dropChunk; it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if err := deleteKeys(db, keys); err != nil {
			return err
		}
		seek = successor(keys[len(keys)-1])
	}
}

// deleteKeys deletes keys, committing whenever the transaction is full.
func deleteKeys(db *badger.DB, keys [][]byte) error {
	txn := db.NewTransaction(true)
	defer func() { txn.Discard() }()
	for _, k := range keys {
		err := txn.Delete(k)
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return err
			}
			txn = db.NewTransaction(true)
			err = txn.Delete(k)
		}
		if err != nil {
			return err
		}
	}
	return txn.Commit()
}

// countPrefix counts the keys under prefix with a key-only scan.
func countPrefix(db *badger.DB, prefix []byte) (int64, error) {
	var n int64
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}
