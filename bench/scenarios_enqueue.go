package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/store"
)

// scenarioEnqueue: badgerstore Write of 1 KiB jobs with 32 producers
// (fsync) vs raw Badger db.Update per write with SyncWrites.
func scenarioEnqueue(ctx context.Context, e *Env) {
	producers := 32
	d := e.pickDur(3*time.Second, 15*time.Second)
	payload := make([]byte, bodySize)
	for i := range payload {
		payload[i] = 'p'
	}

	// hookgate's store
	dir, _ := os.MkdirTemp(e.Tmp, "store-")
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir, Durability: badgerstore.Fsync})
	if err != nil {
		e.R.Fail("enqueue: badgerstore.Open: %v", err)
		return
	}
	storeRate, storeErr := runProducers(ctx, producers, d, func(i int64) error {
		now := time.Now()
		return st.Write(ctx, &store.Batch{Enqueue: []*store.Job{{
			Queue: "bench", ID: store.NewID(), ReadyAt: now, CreatedAt: now, Payload: payload,
		}}})
	})
	st.Close()

	// raw Badger reference
	rdir, _ := os.MkdirTemp(e.Tmp, "raw-")
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(rdir, "db")).WithSyncWrites(true).WithLogger(nil))
	if err != nil {
		e.R.Fail("enqueue: badger.Open: %v", err)
		return
	}
	rawRate, rawErr := runProducers(ctx, producers, d, func(i int64) error {
		var k [9]byte
		k[0] = 'q'
		binary.BigEndian.PutUint64(k[1:], uint64(i))
		return db.Update(func(txn *badger.Txn) error { return txn.Set(k[:], payload) })
	})
	db.Close()
	os.RemoveAll(dir)
	os.RemoveAll(rdir)

	if storeErr != nil || rawErr != nil {
		e.R.Note("enqueue errors: store %v, raw %v", storeErr, rawErr)
	}
	ratio := storeRate / rawRate
	e.R.Figure(Figure{
		Name:      "Durable enqueue: badgerstore Write (fsync), 1 KiB jobs, 32 producers vs raw Badger db.Update + SyncWrites",
		Ratio:     fmt.Sprintf("%.1f×", ratio),
		Value:     fmtRate(storeRate),
		Reference: fmtRate(rawRate),
		Target:    "≥ 3× and ≥ 10,000/s",
		Verdict:   verdict(ratio >= 3 && storeRate >= 10000 && storeErr == nil),
	})
}

// runProducers calls op from n goroutines for d and returns successful
// calls per second and the first error.
func runProducers(ctx context.Context, n int, d time.Duration, op func(i int64) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		count    atomic.Int64
		seq      atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := op(seq.Add(1)); err != nil {
					if ctx.Err() == nil {
						firstErr.CompareAndSwap(nil, err)
					}
					continue
				}
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	var err error
	if v := firstErr.Load(); v != nil {
		err = v.(error)
	}
	return float64(count.Load()) / el.Seconds(), err
}
