package badgerstore

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// TestTrimMappedPagesOutAndKeepsData writes about 40 MB of payloads, so the
// value log's pages are resident in the store's maps, pages them out, and
// checks that residency fell and that every payload still reads back, both
// from the open store and after a reopen. With durability process the pages
// are dirty: the first trim starts their writeback and a later one pages
// them out.
func TestTrimMappedPagesOutAndKeepsData(t *testing.T) {
	for _, d := range []Durability{Fsync, Process} {
		t.Run(d.String(), func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(Options{Dir: dir, Durability: d})
			if err != nil {
				t.Fatal(err)
			}
			const n = 10000
			writePayloads(t, s, 0, n)
			before, trimmed, err := s.trimMapped(1<<40, 1<<40)
			if err != nil || trimmed {
				t.Fatalf("measuring: trimmed %v, err %v", trimmed, err)
			}
			if before < 30<<20 {
				t.Fatalf("only %d bytes of the store resident after writing %d; the test proves nothing", before, n*payloadSize)
			}
			// Pages still in another CPU's LRU batch or under
			// writeback are skipped; later rounds get them.
			after := before
			for round := 0; round < 50 && after > logBudget; round++ {
				if _, trimmed, err = s.trimMapped(logBudget, tableBudget); err != nil || !trimmed {
					t.Fatalf("trimming: trimmed %v, err %v", trimmed, err)
				}
				time.Sleep(20 * time.Millisecond)
				if after, _, err = s.trimMapped(1<<40, 1<<40); err != nil {
					t.Fatal(err)
				}
			}
			if after > logBudget {
				t.Fatalf("resident %d bytes before trimming, still %d after 50 rounds; want at most %d", before, after, logBudget)
			}
			checkPayloads(t, s, n)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openDir(t, dir, d)
			checkPayloads(t, s, n)
		})
	}
}

// payloadSize is the size of each payload writePayloads writes.
const payloadSize = 4 << 10

// payload is job i's payload: its number repeated, so a page mixed up with
// another job's shows.
func payload(i int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("%07d|", i)), payloadSize/8)
}

// writePayloads enqueues jobs j<from> … j<to-1> in queue q, 100 per write.
func writePayloads(t *testing.T, s *Store, from, to int) {
	t.Helper()
	now := time.Now()
	for i := from; i < to; i += 100 {
		b := &store.Batch{}
		for j := i; j < min(i+100, to); j++ {
			b.Enqueue = append(b.Enqueue, &store.Job{Queue: "q", ID: fmt.Sprintf("j%07d", j),
				ReadyAt: now, CreatedAt: now, Payload: payload(j)})
		}
		if err := s.Write(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

// checkPayloads reads jobs j0000000 … j<n-1> of queue q and compares each
// payload.
func checkPayloads(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		j, err := s.Job("q", fmt.Sprintf("j%07d", i))
		if err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
		if !bytes.Equal(j.Payload, payload(i)) {
			t.Fatalf("job %d: payload differs after paging out", i)
		}
	}
}

// TestQuietStoreHandsMappedPagesBack writes about 16 MB, under the
// budgets, so only a quiet step can page the store out. While writes go
// on every 200 ms no step runs; once they stop, the store's resident
// pages fall, and every payload still reads back.
func TestQuietStoreHandsMappedPagesBack(t *testing.T) {
	savedSteps, savedMin := quietSteps, quietMinWrites
	quietSteps, quietMinWrites = []time.Duration{2 * time.Second}, 1
	t.Cleanup(func() { quietSteps, quietMinWrites = savedSteps, savedMin })
	s, err := Open(Options{Dir: t.TempDir(), Durability: Fsync})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	const n = 4000
	writePayloads(t, s, 0, n)
	resident := func() int64 {
		t.Helper()
		r, _, err := s.trimMapped(1<<40, 1<<40) // budgets never reached: only measures
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	busy := resident()
	if busy < 12<<20 {
		t.Fatalf("only %d bytes of the store resident after writing %d; the test proves nothing", busy, n*payloadSize)
	}
	// Busy: a small write every 200 ms for 4 s, twice the quiet step.
	for i := 0; i < 20; i++ {
		writePayloads(t, s, n+i, n+i+1)
		time.Sleep(200 * time.Millisecond)
	}
	if r := resident(); r < busy*3/4 {
		t.Fatalf("resident fell from %d to %d bytes while the store was written every 200 ms", busy, r)
	}
	// Quiet: the step runs on the first maintenance tick 2 s after the
	// last commit.
	deadline := time.Now().Add(10 * time.Second)
	r := resident()
	for r > busy/4 && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		r = resident()
	}
	if r > busy/4 {
		t.Fatalf("resident %d bytes 10 s after the last write; want at most a quarter of %d", r, busy)
	}
	checkPayloads(t, s, n)
}
