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
			const n, size = 10000, 4 << 10
			payload := func(i int) []byte {
				return bytes.Repeat([]byte(fmt.Sprintf("%07d|", i)), size/8)
			}
			now := time.Now()
			for i := 0; i < n; i += 100 {
				b := &store.Batch{}
				for j := i; j < i+100; j++ {
					b.Enqueue = append(b.Enqueue, &store.Job{Queue: "q", ID: fmt.Sprintf("j%07d", j),
						ReadyAt: now, CreatedAt: now, Payload: payload(j)})
				}
				if err := s.Write(context.Background(), b); err != nil {
					t.Fatal(err)
				}
			}
			before, trimmed, err := s.trimMapped(1<<40, 1<<40)
			if err != nil || trimmed {
				t.Fatalf("measuring: trimmed %v, err %v", trimmed, err)
			}
			if before < 30<<20 {
				t.Fatalf("only %d bytes of the store resident after writing %d; the test proves nothing", before, n*size)
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
			checkPayloads(t, s, n, payload)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s = openDir(t, dir, d)
			checkPayloads(t, s, n, payload)
		})
	}
}

// checkPayloads reads jobs j0000000 … of queue q and compares each payload.
func checkPayloads(t *testing.T, s *Store, n int, payload func(int) []byte) {
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
