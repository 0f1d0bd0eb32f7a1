package badgerstore

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// A blob is stored once under its b key, with the number of queued or dead
// jobs naming it under its n key. Only the writer changes either, inside
// its transaction, so the count cannot race. A queued job's x key carries
// its blob after the ready time, so removing a job (done, dropped) learns
// the blob from the index it reads anyway, without reading the job.

// putBlobs writes a batch's blobs, refusing keys already in use.
func putBlobs(txn *badger.Txn, blobs []store.Blob) error {
	for _, bl := range blobs {
		k := blobKey(bl.Key)
		_, err := txn.Get(k)
		switch {
		case err == nil:
			return fmt.Errorf("badgerstore: blob %s: key already in use", bl.Key)
		case !errors.Is(err, badger.ErrKeyNotFound):
			return fmt.Errorf("badgerstore: blob %s: %w", bl.Key, err)
		}
		if err := txn.Set(k, bl.Value); err != nil {
			return fmt.Errorf("badgerstore: blob %s: %w", bl.Key, err)
		}
	}
	return nil
}

// refBlob counts one more job naming the blob, which must exist.
func refBlob(txn *badger.Txn, key string) error {
	if _, err := txn.Get(blobKey(key)); err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("badgerstore: blob %s: %w", key, store.ErrNotFound)
		}
		return fmt.Errorf("badgerstore: blob %s: %w", key, err)
	}
	n, _, err := getUint64(txn, refsKey(key))
	if err != nil {
		return fmt.Errorf("badgerstore: blob %s: %w", key, err)
	}
	return txn.Set(refsKey(key), encodeUint64(n+1))
}

// unrefBlob counts one job fewer naming the blob, and deletes the blob with
// its last reference.
func unrefBlob(txn *badger.Txn, key string) error {
	rk := refsKey(key)
	n, found, err := getUint64(txn, rk)
	if err != nil {
		return fmt.Errorf("badgerstore: blob %s: %w", key, err)
	}
	if found && n > 1 {
		return txn.Set(rk, encodeUint64(n-1))
	}
	if err := txn.Delete(rk); err != nil {
		return err
	}
	return txn.Delete(blobKey(key))
}

// encodeIndex is the value of a queued job's x key: its ready time, then
// its blob if it names one.
func encodeIndex(readyAt uint64, blob string) []byte {
	b := make([]byte, 0, 8+len(blob))
	b = binary.BigEndian.AppendUint64(b, readyAt)
	return append(b, blob...)
}

// getIndex reads a queued job's x key; found is false if the job is not
// queued.
func getIndex(txn *badger.Txn, key []byte) (readyAt uint64, blob string, found bool, err error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, err
	}
	err = item.Value(func(v []byte) error {
		readyAt, blob, err = decodeIndex(key, v)
		return err
	})
	return readyAt, blob, err == nil, err
}

// decodeIndex splits an x key's value.
func decodeIndex(key, v []byte) (readyAt uint64, blob string, err error) {
	if len(v) < 8 {
		return 0, "", fmt.Errorf("value of %q has %d bytes, want at least 8", key, len(v))
	}
	return binary.BigEndian.Uint64(v), string(v[8:]), nil
}

// Blob implements store.Store.
func (s *Store) Blob(key string) ([]byte, error) {
	return s.value(blobKey(key), "blob "+key)
}
