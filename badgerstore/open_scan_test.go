package badgerstore

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// TestOpenScanMillion measures Open with 1,000,000 queued jobs, which must
// stay well under 5 s. Filling the store takes a while, so it only runs
// with BADGERSTORE_MILLION=1.
func TestOpenScanMillion(t *testing.T) {
	if os.Getenv("BADGERSTORE_MILLION") == "" {
		t.Skip("set BADGERSTORE_MILLION=1 to run")
	}
	const total, queues, chunk = 1_000_000, 100, 2000
	dir := t.TempDir()
	s := openDir(t, dir, Process)
	payload := make([]byte, 1024)
	now := time.Now()
	start := time.Now()
	for i := 0; i < total; i += chunk {
		b := &store.Batch{}
		for k := i; k < i+chunk; k++ {
			b.Enqueue = append(b.Enqueue, &store.Job{
				Queue: fmt.Sprintf("queue-%03d", k%queues), ID: store.NewID(), ReadyAt: now, Payload: payload,
			})
		}
		write(t, s, b)
	}
	t.Logf("filled %d jobs in %v", total, time.Since(start))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	s = openDir(t, dir, Process)
	took := time.Since(start)
	t.Logf("open with %d queued jobs took %v", total, took)
	sum := 0
	for q := range queues {
		n, _ := s.Depth(fmt.Sprintf("queue-%03d", q))
		sum += n
	}
	if sum != total {
		t.Fatalf("depths sum to %d, want %d", sum, total)
	}
	if took > 5*time.Second {
		t.Fatalf("open took %v", took)
	}
}
