package badgerstore

import (
	"go.uber.org/zap"

	"context"
	"sync"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/store"
)

// benchProducers is the number of concurrent producers, as many
// receivers acknowledging webhooks at once.
const benchProducers = 32

// runProducers runs b.N calls of op split over benchProducers goroutines
// and reports the rate.
func runProducers(b *testing.B, op func(i int) error) {
	b.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, benchProducers)
	b.ResetTimer()
	for p := range benchProducers {
		n := b.N / benchProducers
		if p < b.N%benchProducers {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				if err := op(i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
}

// BenchmarkEnqueueGroupCommit measures durable (fsync) enqueues of 1 KiB
// payloads through the group-committing writer.
func BenchmarkEnqueueGroupCommit(b *testing.B) {
	s := openTest(b, Fsync)
	payload := make([]byte, 1024)
	now := time.Now()
	b.ReportAllocs()
	runProducers(b, func(int) error {
		j := &store.Job{Queue: "bench", ID: store.NewID(), ReadyAt: now, CreatedAt: now, Payload: payload}
		return s.Write(context.Background(), &store.Batch{Enqueue: []*store.Job{j}})
	})
}

// BenchmarkEnqueueBadgerUpdateBaseline writes the same keys and values
// with one db.Update per write on a Badger database with the store's
// options and SyncWrites on, which is what a store without its own writer
// would do. Badger batches concurrent commits into one sync itself, so this
// is the bar group commit must beat.
func BenchmarkEnqueueBadgerUpdateBaseline(b *testing.B) {
	db, err := badger.Open(Options{Dir: b.TempDir()}.badgerOptions(zap.NewNop()).WithSyncWrites(true))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	payload := make([]byte, 1024)
	now := time.Now()
	b.ReportAllocs()
	runProducers(b, func(int) error {
		j := &store.Job{Queue: "bench", ID: store.NewID(), ReadyAt: now, CreatedAt: now, Payload: payload}
		at := readyNanos(j.ReadyAt)
		return db.Update(func(txn *badger.Txn) error {
			if err := txn.Set(readyKey(j.Queue, at, j.ID), encodeJob(j)); err != nil {
				return err
			}
			return txn.Set(idKey(j.Queue, j.ID), encodeUint64(at))
		})
	})
}
