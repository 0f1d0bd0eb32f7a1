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

// dropQueue deletes every q, x and z key of a queue, with the blob
// references of its queued jobs (named in x values) and dead letters, and
// resets its in-memory state. It runs on the writer goroutine.
func (s *Store) dropQueue(name string) error {
	// A value too damaged to name its blob is deleted all the same: a
	// queue must always be droppable, and the cost is a blob kept.
	err := deletePrefix(s.db, queuePrefix(tagReady, name), nil)
	if err == nil {
		err = deletePrefix(s.db, queuePrefix(tagID, name), func(k, v []byte) string {
			_, blob, _ := decodeIndex(k, v)
			return blob
		})
	}
	if err == nil {
		err = deletePrefix(s.db, queuePrefix(tagDead, name), func(_, v []byte) string {
			if j, err := decodeJob(name, "", v); err == nil {
				return j.Blob
			}
			return ""
		})
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
// its own tombstones again. blobOf, when set, reads the blob a key's value
// names, and each deleted key's blob loses that reference.
func deletePrefix(db *badger.DB, prefix []byte, blobOf func(k, v []byte) string) error {
	seek := prefix
	keys := make([][]byte, 0, dropChunk)
	var blobs []string
	for {
		keys, blobs = keys[:0], blobs[:0]
		err := db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: blobOf != nil})
			defer it.Close()
			for it.Seek(seek); it.Valid() && len(keys) < dropChunk; it.Next() {
				item := it.Item()
				k := item.KeyCopy(nil)
				blob := ""
				if blobOf != nil {
					err := item.Value(func(v []byte) error {
						blob = blobOf(k, v)
						return nil
					})
					if err != nil {
						return err
					}
				}
				keys = append(keys, k)
				blobs = append(blobs, blob)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			return nil
		}
		if err := deleteKeys(db, keys, blobs); err != nil {
			return err
		}
		seek = successor(keys[len(keys)-1])
	}
}

// deleteKeys deletes keys, and a reference to blobs[i] with keys[i] where
// it is set, committing whenever the transaction is full. A key and its
// reference may land in two commits; the reference goes second, so a crash
// between them can only leave a blob too long, never delete one in use.
func deleteKeys(db *badger.DB, keys [][]byte, blobs []string) error {
	txn := db.NewTransaction(true)
	defer func() { txn.Discard() }()
	retry := func(op func() error) error {
		err := op()
		if errors.Is(err, badger.ErrTxnTooBig) {
			if err := txn.Commit(); err != nil {
				return err
			}
			txn = db.NewTransaction(true)
			err = op()
		}
		return err
	}
	for i, k := range keys {
		if err := retry(func() error { return txn.Delete(k) }); err != nil {
			return err
		}
		if blobs[i] == "" {
			continue
		}
		if err := retry(func() error { return unrefBlob(txn, blobs[i]) }); err != nil {
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
