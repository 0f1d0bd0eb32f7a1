package badgerstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// TestFullDiskRefusesNewDataOnly opens a store that demands more free space
// than any disk has: writes that add data fail with ErrNoSpace and store
// nothing, while a batch that only removes a job still goes through, so
// queues can drain on a full disk.
func TestFullDiskRefusesNewDataOnly(t *testing.T) {
	dir := t.TempDir()
	roomy, err := Open(Options{Dir: dir, Durability: Fsync})
	if err != nil {
		t.Fatal(err)
	}
	job := &store.Job{Queue: "q", ID: store.NewID(), ReadyAt: time.Now(), CreatedAt: time.Now(), Payload: []byte("x")}
	if err := roomy.Write(context.Background(), &store.Batch{Enqueue: []*store.Job{job}}); err != nil {
		t.Fatalf("write with room: %v", err)
	}
	if err := roomy.Close(); err != nil {
		t.Fatal(err)
	}

	full, err := Open(Options{Dir: dir, Durability: Fsync, MinFreeBytes: 1 << 62})
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for name, b := range map[string]*store.Batch{
		"enqueue": {Enqueue: []*store.Job{{Queue: "q", ID: store.NewID(), ReadyAt: time.Now()}}},
		"record":  {Put: []store.Record{{Kind: "k", Key: "a", Value: []byte("v")}}},
		"claim":   {Claims: []store.Claim{{Scope: "s", Key: "a", TTL: time.Hour}}},
	} {
		if err := full.Write(context.Background(), b); !errors.Is(err, store.ErrNoSpace) {
			t.Errorf("%s on a full disk: err = %v, want ErrNoSpace", name, err)
		}
	}
	if d, _ := full.Depth("q"); d != 1 {
		t.Fatalf("depth = %d after refused enqueues, want 1", d)
	}
	if ok, _ := full.Claimed("s", "a"); ok {
		t.Fatal("a refused claim was stored")
	}
	if err := full.Write(context.Background(), &store.Batch{Done: []*store.Job{job}}); err != nil {
		t.Fatalf("removing a job on a full disk: %v", err)
	}
	if d, _ := full.Depth("q"); d != 0 {
		t.Fatalf("depth = %d after done, want 0", d)
	}
}
