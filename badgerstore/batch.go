package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// checkClaims returns store.ErrDuplicate if any claim of b is held. It
// writes nothing, so a failure leaves the transaction clean.
func checkClaims(txn *badger.Txn, b *store.Batch) error {
	for _, c := range b.Claims {
		_, err := txn.Get(claimKey(c.Scope, c.Key))
		switch {
		case err == nil:
			return store.ErrDuplicate
		case errors.Is(err, badger.ErrKeyNotFound):
		default:
			return fmt.Errorf("badgerstore: check claim %s/%s: %w", c.Scope, c.Key, err)
		}
	}
	return nil
}

// applyBatch writes b into txn and records its effects in fx. When it
// fails, dirty reports whether it had already written part of b into txn,
// in which case txn must be discarded.
func applyBatch(txn *badger.Txn, b *store.Batch, fx *effects) (dirty bool, err error) {
	if err := checkClaims(txn, b); err != nil {
		return false, err
	}
	for _, c := range b.Claims {
		if err := txn.SetEntry(withTTL(badger.NewEntry(claimKey(c.Scope, c.Key), nil), c.TTL)); err != nil {
			return true, fmt.Errorf("badgerstore: claim %s/%s: %w", c.Scope, c.Key, err)
		}
	}
	if err := putBlobs(txn, b.Blobs); err != nil {
		return true, err
	}
	for _, j := range b.Enqueue {
		if err := enqueue(txn, j, fx); err != nil {
			return true, err
		}
	}
	for _, r := range b.Put {
		if err := txn.SetEntry(withTTL(badger.NewEntry(recordKey(r.Kind, r.Key), r.Value), r.TTL)); err != nil {
			return true, fmt.Errorf("badgerstore: put %s/%s: %w", r.Kind, r.Key, err)
		}
	}
	for _, r := range b.Delete {
		if err := txn.Delete(recordKey(r.Kind, r.Key)); err != nil {
			return true, fmt.Errorf("badgerstore: delete %s/%s: %w", r.Kind, r.Key, err)
		}
	}
	for _, j := range b.Done {
		if err := done(txn, j, fx); err != nil {
			return true, err
		}
	}
	for _, j := range b.Reschedule {
		if err := reschedule(txn, j, fx); err != nil {
			return true, err
		}
	}
	for _, j := range b.Bury {
		if err := bury(txn, j, fx); err != nil {
			return true, err
		}
	}
	for _, j := range b.Exhume {
		if err := exhume(txn, j, fx); err != nil {
			return true, err
		}
	}
	return true, nil
}

// withTTL sets an expiry on e. Badger expires keys at whole seconds, so
// the expiry is rounded up: a claim or record lives at least ttl, at most a
// second longer.
func withTTL(e *badger.Entry, ttl time.Duration) *badger.Entry {
	if ttl > 0 {
		at := time.Now().Add(ttl)
		secs := at.Unix()
		if at.Nanosecond() > 0 {
			secs++
		}
		e.ExpiresAt = uint64(secs)
	}
	return e
}

// getUint64 reads an 8-byte big-endian value; found is false if the key
// does not exist.
func getUint64(txn *badger.Txn, key []byte) (v uint64, found bool, err error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	err = item.Value(func(b []byte) error {
		if len(b) != 8 {
			return fmt.Errorf("value of %q has %d bytes, want 8", key, len(b))
		}
		v = binary.BigEndian.Uint64(b)
		return nil
	})
	return v, err == nil, err
}

// nextCounter advances a counter inside txn. The writer is the only
// writer, and the transaction sees its own earlier writes, so values are
// gapless however many requests share a group.
func nextCounter(txn *badger.Txn, key string) (uint64, error) {
	k := counterKey(key)
	n, _, err := getUint64(txn, k)
	if err != nil {
		return 0, fmt.Errorf("badgerstore: counter %s: %w", key, err)
	}
	if n == math.MaxUint64 {
		return 0, fmt.Errorf("badgerstore: counter %s: overflow", key)
	}
	n++
	if err := txn.Set(k, encodeUint64(n)); err != nil {
		return 0, fmt.Errorf("badgerstore: counter %s: %w", key, err)
	}
	return n, nil
}
