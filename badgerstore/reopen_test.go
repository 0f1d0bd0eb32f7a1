package badgerstore

import (
	"errors"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := openDir(t, dir, Fsync)
	now := time.Now().Add(-time.Minute)
	write(t, s, &store.Batch{
		Claims: []store.Claim{{Scope: "s", Key: "k", TTL: time.Hour}},
		Enqueue: []*store.Job{
			{Queue: "a", ID: "1", ReadyAt: now, CounterKey: "c", Payload: []byte("one")},
			{Queue: "a", ID: "2", ReadyAt: now, CounterKey: "c"},
			{Queue: "b", ID: "3", ReadyAt: now, CounterKey: "c"},
		},
		Put: []store.Record{{Kind: "sub", Key: "x", Value: []byte("v")}},
	})
	leased := lease(t, s, "a", 1)
	write(t, s, &store.Batch{Bury: []*store.Job{leased[0]}})
	lease(t, s, "b", 1) // leases do not survive a restart
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := s.Job("a", "2"); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
	if err := s.Write(t.Context(), &store.Batch{}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}

	s = openDir(t, dir, Fsync)
	depth(t, s, "a", 1)
	depth(t, s, "b", 1)
	if qs, _ := s.Queues(""); len(qs) != 2 {
		t.Fatalf("queues after reopen: %v", qs)
	}
	if j, err := s.Job("a", "2"); err != nil || j.Seq != 2 {
		t.Fatalf("job after reopen: %+v %v", j, err)
	}
	if d, err := s.DeadJob("a", "1"); err != nil || string(d.Payload) != "one" {
		t.Fatalf("dead letter after reopen: %+v %v", d, err)
	}
	if c, _ := s.Counter("c"); c != 3 {
		t.Fatalf("counter after reopen = %d", c)
	}
	if v, err := s.Get("sub", "x"); err != nil || string(v) != "v" {
		t.Fatalf("record after reopen: %q %v", v, err)
	}
	if held, _ := s.Claimed("s", "k"); !held {
		t.Fatal("claim lost on reopen")
	}
	sameIDs(t, "lease b after reopen", lease(t, s, "b", 5), "3")
	sameIDs(t, "lease a after reopen", lease(t, s, "a", 5), "2")
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(Options{}); err == nil {
		t.Fatal("open without a directory succeeded")
	}
	dir := t.TempDir()
	openDir(t, dir, Process)
	// Badger locks its directory: a second store on it must fail, with
	// the directory in the message.
	_, err := Open(Options{Dir: dir})
	if err == nil {
		t.Fatal("second open of the same directory succeeded")
	}
	if want := "badgerstore: open " + dir; len(err.Error()) < len(want) || err.Error()[:len(want)] != want {
		t.Fatalf("error %q lacks context %q", err, want)
	}
}
