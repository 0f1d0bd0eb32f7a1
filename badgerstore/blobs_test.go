package badgerstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// withBlob returns job q/id naming blob.
func withBlob(q, id, blob string) *store.Job {
	j := job(q, id, time.Now())
	j.Blob = blob
	return j
}

// blobState reads a blob's value and its reference count.
func blobState(t *testing.T, s *Store, key string) (value string, refs uint64, exists bool) {
	t.Helper()
	v, err := s.Blob(key)
	if errors.Is(err, store.ErrNotFound) {
		n, _ := s.refsOf(key)
		if n != 0 {
			t.Fatalf("blob %s is gone but still counts %d references", key, n)
		}
		return "", 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.refsOf(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(v), n, true
}

func (s *Store) refsOf(key string) (uint64, error) {
	v, err := s.value(refsKey(key), "refs "+key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, errors.New("reference count is not 8 bytes")
	}
	return binary.BigEndian.Uint64(v), nil
}

// A blob lives exactly as long as a queued or dead job names it, through
// every job operation, and across a reopen.
func TestBlobLivesWhileJobsNameIt(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, Process)
	write(t, s, &store.Batch{
		Blobs:   []store.Blob{{Key: "evt-1", Value: []byte(`{"big":"data"}`)}},
		Enqueue: []*store.Job{withBlob("sub/a", "1", "evt-1"), withBlob("sub/b", "2", "evt-1"), withBlob("sub/c", "3", "evt-1")},
	})
	leased := map[string]*store.Job{}
	for _, q := range []string{"sub/a", "sub/b", "sub/c"} {
		js := lease(t, s, q, 1)
		if len(js) != 1 || js[0].Blob != "evt-1" {
			t.Fatalf("leased %+v from %s, want one job naming evt-1", js, q)
		}
		leased[q] = js[0]
	}
	steps := []struct {
		name  string
		batch func() *store.Batch
		refs  uint64 // 0: the blob must be gone
	}{
		{"start", func() *store.Batch { return &store.Batch{} }, 3},
		{"reschedule keeps it, even when the caller drops the name", func() *store.Batch {
			j := *leased["sub/a"]
			j.Blob, j.Attempt = "", 1
			return &store.Batch{Reschedule: []*store.Job{&j}}
		}, 3},
		{"bury keeps it for the dead letter", func() *store.Batch {
			j := *leased["sub/b"]
			j.Blob = ""
			return &store.Batch{Bury: []*store.Job{&j}}
		}, 3},
		{"exhume moves it back", func() *store.Batch {
			j := *leased["sub/b"]
			j.Blob = ""
			return &store.Batch{Exhume: []*store.Job{&j}}
		}, 3},
		{"re-enqueueing a queued id does not count twice", func() *store.Batch {
			return &store.Batch{Enqueue: []*store.Job{withBlob("sub/c", "3", "evt-1")}}
		}, 3},
		{"done drops one", func() *store.Batch { return &store.Batch{Done: []*store.Job{leased["sub/c"]}} }, 2},
		{"done again is skipped", func() *store.Batch { return &store.Batch{Done: []*store.Job{leased["sub/c"]}} }, 2},
		{"done of the last two deletes it", func() *store.Batch {
			return &store.Batch{Done: []*store.Job{leased["sub/a"], leased["sub/b"]}}
		}, 0},
	}
	for _, st := range steps {
		write(t, s, st.batch())
		v, refs, exists := blobState(t, s, "evt-1")
		switch {
		case st.refs == 0 && exists:
			t.Fatalf("%s: blob still there with %d references", st.name, refs)
		case st.refs > 0 && (!exists || refs != st.refs || v != `{"big":"data"}`):
			t.Fatalf("%s: blob %q exists=%v refs=%d, want %d", st.name, v, exists, refs, st.refs)
		}
		if st.name == "exhume moves it back" {
			// and it survives a restart with its count
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openDir(t, dir, Process)
		}
	}
	if n := keyCount(t, s); n != 0 {
		t.Fatalf("%d keys left after every job is done", n)
	}
}

// Dropping a queue drops the references of its queued jobs and dead
// letters, and leaves the blob to the queues that still name it.
func TestBlobDropQueue(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{
		Blobs: []store.Blob{{Key: "e", Value: []byte("data")}},
		Enqueue: []*store.Job{withBlob("sub/x", "1", "e"), withBlob("sub/x", "2", "e"),
			withBlob("sub/y", "3", "e")},
	})
	dead := lease(t, s, "sub/x", 1)
	write(t, s, &store.Batch{Bury: dead})
	if _, refs, _ := blobState(t, s, "e"); refs != 3 {
		t.Fatalf("refs = %d before the drop, want 3", refs)
	}
	write(t, s, &store.Batch{Drop: []string{"sub/x"}})
	if _, refs, exists := blobState(t, s, "e"); !exists || refs != 1 {
		t.Fatalf("after dropping sub/x: exists=%v refs=%d, want the blob with 1 reference", exists, refs)
	}
	write(t, s, &store.Batch{Drop: []string{"sub/y"}})
	if _, _, exists := blobState(t, s, "e"); exists {
		t.Fatal("blob kept after its last queue was dropped")
	}
	if n := keyCount(t, s); n != 0 {
		t.Fatalf("%d keys left after dropping every queue", n)
	}
}

// Batches that would leave a blob nobody deletes, or a job naming nothing,
// are refused whole.
func TestBlobBatchErrors(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{Blobs: []store.Blob{{Key: "used", Value: []byte("v")}}, Enqueue: []*store.Job{withBlob("q", "0", "used")}})
	before := keyCount(t, s)
	for _, c := range []struct {
		name  string
		batch *store.Batch
		want  string
	}{
		{"blob named by no job", &store.Batch{Blobs: []store.Blob{{Key: "orphan", Value: []byte("v")}}, Enqueue: []*store.Job{job("q", "1", time.Now())}}, "named by no job"},
		{"job naming a missing blob", &store.Batch{Enqueue: []*store.Job{withBlob("q", "2", "missing")}}, "not found"},
		{"blob key in use", &store.Batch{Blobs: []store.Blob{{Key: "used", Value: []byte("w")}}, Enqueue: []*store.Job{withBlob("q", "3", "used")}}, "already in use"},
		{"empty blob key", &store.Batch{Blobs: []store.Blob{{Key: "", Value: []byte("v")}}, Enqueue: []*store.Job{withBlob("q", "4", "")}}, "empty blob key"},
	} {
		err := s.Write(context.Background(), c.batch)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if after := keyCount(t, s); after != before {
		t.Fatalf("refused batches changed the store: %d keys, then %d", before, after)
	}
	if v, _ := s.Blob("used"); string(v) != "v" {
		t.Fatalf("blob overwritten by a refused batch: %q", v)
	}
}

func keyCount(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.KeyCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Burying a job whose id already has a dead letter replaces the dead
// letter and the reference it held.
func TestBlobBuryOverDeadLetter(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{Blobs: []store.Blob{{Key: "B", Value: []byte("data")}}, Enqueue: []*store.Job{withBlob("q", "1", "B")}})
	write(t, s, &store.Batch{Bury: lease(t, s, "q", 1)})
	write(t, s, &store.Batch{Enqueue: []*store.Job{withBlob("q", "1", "B")}}) // the same id queued again
	write(t, s, &store.Batch{Bury: lease(t, s, "q", 1)})
	if _, refs, _ := blobState(t, s, "B"); refs != 1 {
		t.Fatalf("one dead letter names B, but it counts %d references", refs)
	}
	write(t, s, &store.Batch{Drop: []string{"q"}})
	if _, refs, exists := blobState(t, s, "B"); exists {
		t.Fatalf("queue dropped, no job names B, but B is kept with %d references", refs)
	}
}

// A drop larger than dropChunk, whose deletes also overflow a transaction,
// drops exactly its references, and the count survives a reopen.
func TestBlobDropManyChunks(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, Process)
	long := strings.Repeat("i", 240) // long ids: the deletes overflow a transaction
	write(t, s, &store.Batch{Blobs: []store.Blob{{Key: "B", Value: []byte("data")}},
		Enqueue: []*store.Job{withBlob("other", "o", "B")}})
	const n = 23000
	for i := 0; i < n; i += 500 {
		b := &store.Batch{}
		for k := i; k < i+500; k++ {
			j := withBlob("big", fmt.Sprintf("%s%06d", long, k), "B")
			j.Payload = nil
			b.Enqueue = append(b.Enqueue, j)
		}
		write(t, s, b)
	}
	write(t, s, &store.Batch{Bury: lease(t, s, "big", 7)})
	if _, refs, _ := blobState(t, s, "B"); refs != n+1 {
		t.Fatalf("refs before the drop = %d, want %d", refs, n+1)
	}
	write(t, s, &store.Batch{Drop: []string{"big"}})
	if _, refs, exists := blobState(t, s, "B"); !exists || refs != 1 {
		t.Fatalf("after the drop: exists=%v refs=%d, want 1", exists, refs)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openDir(t, dir, Process)
	if _, refs, exists := blobState(t, s, "B"); !exists || refs != 1 {
		t.Fatalf("after reopening: exists=%v refs=%d, want 1", exists, refs)
	}
	depth(t, s, "big", 0)
}

// A queue whose values are too damaged to name their blobs still drops.
func TestDropQueueWithDamagedValues(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "1", time.Now())}})
	err := s.DB().Update(func(txn *badger.Txn) error {
		if err := txn.Set(deadKey("q", "2"), []byte{9, 9}); err != nil {
			return err
		}
		return txn.Set(idKey("q", "1"), []byte{1})
	})
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, &store.Batch{Drop: []string{"q"}})
	if n := keyCount(t, s); n != 0 {
		t.Fatalf("%d keys left after the drop", n)
	}
}
