package badgerstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hookgate/hookgate/store"
)

// validateBatch rejects batches whose names would break the key layout,
// before they reach the writer.
func validateBatch(b *store.Batch) error {
	if b == nil {
		return errors.New("badgerstore: write: nil batch")
	}
	for _, c := range b.Claims {
		if strings.IndexByte(c.Scope, 0) >= 0 {
			return fmt.Errorf("badgerstore: write: claim scope %q contains NUL", c.Scope)
		}
	}
	for _, r := range b.Put {
		if err := checkName("record kind", r.Kind); err != nil {
			return err
		}
	}
	for _, r := range b.Delete {
		if err := checkName("record kind", r.Kind); err != nil {
			return err
		}
	}
	for _, jobs := range [...][]*store.Job{b.Enqueue, b.Done, b.Reschedule, b.Bury, b.Exhume} {
		for _, j := range jobs {
			if j == nil {
				return errors.New("badgerstore: write: nil job")
			}
			if err := checkName("queue", j.Queue); err != nil {
				return err
			}
			if j.ID == "" {
				return fmt.Errorf("badgerstore: write: job in queue %q has no id", j.Queue)
			}
		}
	}
	named := make(map[string]bool, len(b.Blobs))
	for _, j := range b.Enqueue {
		if j.Blob != "" {
			named[j.Blob] = true
		}
	}
	for _, bl := range b.Blobs {
		if err := checkName("blob key", bl.Key); err != nil {
			return err
		}
		if !named[bl.Key] {
			// Nothing would ever delete it.
			return fmt.Errorf("badgerstore: write: blob %q is named by no job the batch enqueues", bl.Key)
		}
	}
	for _, q := range b.Drop {
		if err := checkName("queue", q); err != nil {
			return err
		}
	}
	return nil
}

// checkName rejects empty names and names containing NUL, the key
// separator.
func checkName(what, name string) error {
	if name == "" {
		return fmt.Errorf("badgerstore: write: empty %s", what)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Errorf("badgerstore: write: %s %q contains NUL", what, name)
	}
	return nil
}

// batchSize estimates the bytes a batch adds to a transaction, to bound
// groups.
func batchSize(b *store.Batch) int {
	n := 0
	for _, j := range b.Enqueue {
		n += len(j.Payload) + 64
	}
	for _, j := range b.Reschedule {
		n += len(j.Payload) + 64
	}
	for _, j := range b.Bury {
		n += len(j.Payload) + 64
	}
	for _, j := range b.Exhume {
		n += len(j.Payload) + 64
	}
	for _, r := range b.Put {
		n += len(r.Value) + len(r.Key) + 16
	}
	for _, bl := range b.Blobs {
		n += len(bl.Value) + len(bl.Key) + 16
	}
	return n
}
