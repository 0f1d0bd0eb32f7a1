package badgerstore

import (
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// The functions below apply the job operations of a batch inside the
// writer's transaction. Each records its effect on in-memory queue state
// in fx, applied only after the commit.

// putJob stores j in its queue, replacing a queued job with the same ID
// (which stays leased if it was), and counts j's blob as named by one more
// job unless the replaced job named it already. Its errors carry no
// context; callers add it.
func putJob(txn *badger.Txn, j *store.Job, fx *effects) error {
	xk := idKey(j.Queue, j.ID)
	old, oldBlob, found, err := getIndex(txn, xk)
	if err != nil {
		return err
	}
	if !found || oldBlob != j.Blob {
		if j.Blob != "" {
			if err := refBlob(txn, j.Blob); err != nil {
				return err
			}
		}
		if found && oldBlob != "" {
			if err := unrefBlob(txn, oldBlob); err != nil {
				return err
			}
		}
	}
	at := readyNanos(j.ReadyAt)
	if found && old != at {
		if err := txn.Delete(readyKey(j.Queue, old, j.ID)); err != nil {
			return err
		}
	}
	qk := readyKey(j.Queue, at, j.ID)
	if err := txn.Set(qk, encodeJob(j)); err != nil {
		return err
	}
	if !found || old != at || oldBlob != j.Blob {
		if err := txn.Set(xk, encodeIndex(at, j.Blob)); err != nil {
			return err
		}
	}
	if !found {
		fx.queue(j.Queue).depth++
	}
	fx.inserted(j.Queue, qk)
	return nil
}

// enqueue assigns j its Seq if it names a counter, then queues it.
func enqueue(txn *badger.Txn, j *store.Job, fx *effects) error {
	if j.CounterKey != "" {
		seq, err := nextCounter(txn, j.CounterKey)
		if err != nil {
			return err
		}
		j.Seq = seq
	}
	if err := putJob(txn, j, fx); err != nil {
		return fmt.Errorf("badgerstore: enqueue %s/%s: %w", j.Queue, j.ID, err)
	}
	return nil
}

// removeQueued deletes a queued job's q and x keys and returns the blob it
// names, still counted. found is false if the job is not queued.
func removeQueued(txn *badger.Txn, queue, id string) (blob string, found bool, err error) {
	xk := idKey(queue, id)
	at, blob, found, err := getIndex(txn, xk)
	if err != nil || !found {
		return "", false, err
	}
	if err := txn.Delete(readyKey(queue, at, id)); err != nil {
		return "", false, err
	}
	return blob, true, txn.Delete(xk)
}

// done removes a job from its queue; a job that is gone is skipped.
func done(txn *badger.Txn, j *store.Job, fx *effects) error {
	fx.released(j.Queue, j.ID)
	blob, found, err := removeQueued(txn, j.Queue, j.ID)
	if err == nil && blob != "" {
		err = unrefBlob(txn, blob)
	}
	if err != nil {
		return fmt.Errorf("badgerstore: done %s/%s: %w", j.Queue, j.ID, err)
	}
	if found {
		fx.queue(j.Queue).depth--
	}
	return nil
}

// reschedule rewrites a queued job with j's ReadyAt, Attempt and Payload,
// keeping what it was enqueued with (CreatedAt, CounterKey, Seq).
func reschedule(txn *badger.Txn, j *store.Job, fx *effects) error {
	fx.released(j.Queue, j.ID)
	at, blob, found, err := getIndex(txn, idKey(j.Queue, j.ID))
	if err != nil {
		return fmt.Errorf("badgerstore: reschedule %s/%s: %w", j.Queue, j.ID, err)
	}
	if !found {
		return nil
	}
	next := *j
	next.Blob = blob
	item, err := txn.Get(readyKey(j.Queue, at, j.ID))
	switch {
	case err == nil:
		err = item.Value(func(v []byte) error {
			old, err := decodeJob(j.Queue, j.ID, v)
			if err != nil {
				return err
			}
			next.CreatedAt, next.CounterKey, next.Seq = old.CreatedAt, old.CounterKey, old.Seq
			return nil
		})
		if err != nil {
			return fmt.Errorf("badgerstore: reschedule %s/%s: %w", j.Queue, j.ID, err)
		}
	case errors.Is(err, badger.ErrKeyNotFound):
		// The id index points at nothing (it cannot, but if it did the
		// job as given is the best there is): store it as given.
	default:
		return fmt.Errorf("badgerstore: reschedule %s/%s: %w", j.Queue, j.ID, err)
	}
	if err := putJob(txn, &next, fx); err != nil {
		return fmt.Errorf("badgerstore: reschedule %s/%s: %w", j.Queue, j.ID, err)
	}
	return nil
}

// bury moves a queued job, as given but with its blob, to the dead letters
// of its queue, where it keeps naming the blob; a job that is not queued is
// skipped.
func bury(txn *badger.Txn, j *store.Job, fx *effects) error {
	fx.released(j.Queue, j.ID)
	blob, found, err := removeQueued(txn, j.Queue, j.ID)
	if err != nil {
		return fmt.Errorf("badgerstore: bury %s/%s: %w", j.Queue, j.ID, err)
	}
	if !found {
		return nil
	}
	fx.queue(j.Queue).depth--
	zk := deadKey(j.Queue, j.ID)
	// A dead letter with the same id is replaced: the blob it named
	// loses that reference, after the new one took over its own.
	old, err := getJob(txn, zk, j.Queue, j.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		old = nil
	case err != nil:
		return fmt.Errorf("badgerstore: bury %s/%s: %w", j.Queue, j.ID, err)
	}
	dead := *j
	dead.Blob = blob
	if err := txn.Set(zk, encodeJob(&dead)); err != nil {
		return fmt.Errorf("badgerstore: bury %s/%s: %w", j.Queue, j.ID, err)
	}
	if old != nil && old.Blob != "" {
		if err := unrefBlob(txn, old.Blob); err != nil {
			return fmt.Errorf("badgerstore: bury %s/%s: %w", j.Queue, j.ID, err)
		}
	}
	return nil
}

// exhume moves a dead letter back into its queue, stored as given but with
// its blob; a job that is not dead is skipped.
func exhume(txn *badger.Txn, j *store.Job, fx *effects) error {
	zk := deadKey(j.Queue, j.ID)
	dead, err := getJob(txn, zk, j.Queue, j.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("badgerstore: exhume %s/%s: %w", j.Queue, j.ID, err)
	}
	queued := *j
	queued.Blob = dead.Blob
	// The queued job counts its blob before the dead letter stops
	// counting it, so the count never passes through zero.
	err = putJob(txn, &queued, fx)
	if err == nil {
		err = txn.Delete(zk)
	}
	if err == nil && dead.Blob != "" {
		err = unrefBlob(txn, dead.Blob)
	}
	if err != nil {
		return fmt.Errorf("badgerstore: exhume %s/%s: %w", j.Queue, j.ID, err)
	}
	return nil
}
