package receiver

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/signing"
)

// countingMetrics records what a receiver reports.
type countingMetrics struct {
	mu       sync.Mutex
	requests map[string]int
	forwards map[string]int
	gaps     []uint64
	acks     int
}

func newCountingMetrics() *countingMetrics {
	return &countingMetrics{requests: map[string]int{}, forwards: map[string]int{}}
}

func (m *countingMetrics) Request(_, outcome string) {
	m.mu.Lock()
	m.requests[outcome]++
	m.mu.Unlock()
}

func (m *countingMetrics) Ack(string, time.Duration) {
	m.mu.Lock()
	m.acks++
	m.mu.Unlock()
}

func (m *countingMetrics) Forward(_, outcome string) {
	m.mu.Lock()
	m.forwards[outcome]++
	m.mu.Unlock()
}

func (m *countingMetrics) Gap(_ string, missing uint64) {
	m.mu.Lock()
	m.gaps = append(m.gaps, missing)
	m.mu.Unlock()
}

// sequenceReceiver is a receiver tracking /increment_id, with dedupe off so
// repeated numbers reach the sequencer.
func sequenceReceiver(t *testing.T, st *badgerstore.Store, m Metrics) (*Receiver, string) {
	t.Helper()
	r, err := New(Config{
		Name:      "shop",
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		Dedupe:    Dedupe{By: DedupeOff},
		Sequence:  "/increment_id",
		ForwardTo: "http://127.0.0.1:1/",
	}, st, nil, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, serve(t, r).URL
}

// gapText renders gaps as "from-to" runs.
func gapText(gaps []Gap) string {
	var parts []string
	for _, g := range gaps {
		if g.Missing != g.To-g.From+1 {
			parts = append(parts, fmt.Sprintf("bad-count(%d-%d:%d)", g.From, g.To, g.Missing))
			continue
		}
		parts = append(parts, fmt.Sprintf("%d-%d", g.From, g.To))
	}
	return strings.Join(parts, " ")
}

func TestSequenceGaps(t *testing.T) {
	tests := []struct {
		name    string
		numbers []string // JSON values of increment_id, in arrival order
		want    string
		newGaps []uint64 // sizes reported to Metrics.Gap
	}{
		{"gapless", []string{"1", "2", "3"}, "", nil},
		{"first number is the baseline", []string{"100", "101"}, "", nil},
		{"one gap", []string{"1", "2", "5"}, "3-4", []uint64{2}},
		{"two gaps", []string{"1", "3", "7"}, "2-2 4-6", []uint64{1, 3}},
		{"late arrival closes a gap", []string{"1", "4", "2", "3"}, "", []uint64{2}},
		{"late arrival splits a gap", []string{"1", "10", "5"}, "2-4 6-9", []uint64{8}},
		{"late arrival at the gap's start", []string{"1", "5", "2"}, "3-4", []uint64{3}},
		{"late arrival at the gap's end", []string{"1", "5", "4"}, "2-3", []uint64{3}},
		{"repeats change nothing", []string{"1", "3", "3", "1"}, "2-2", []uint64{1}},
		{"below the baseline is not a gap", []string{"10", "3", "11"}, "", nil},
		{"digits in a string count", []string{`"1"`, `"3"`}, "2-2", []uint64{1}},
		{"zero is a number", []string{"0", "2"}, "1-1", []uint64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newCountingMetrics()
			r, url := sequenceReceiver(t, openStore(t), m)
			for _, n := range tt.numbers {
				if resp, body := post(t, url, nil, []byte(`{"increment_id":`+n+`}`)); resp.StatusCode != 200 {
					t.Fatalf("increment_id %s: %d %s", n, resp.StatusCode, body)
				}
			}
			gaps, err := r.Gaps()
			if err != nil {
				t.Fatal(err)
			}
			if got := gapText(gaps); got != tt.want {
				t.Fatalf("gaps %q, want %q", got, tt.want)
			}
			if fmt.Sprint(m.gaps) != fmt.Sprint(tt.newGaps) {
				t.Fatalf("reported gaps %v, want %v", m.gaps, tt.newGaps)
			}
		})
	}
}

func TestSequenceRejectsBadNumbers(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`{"id":1}`, `{"error":"the sequence number /increment_id is absent from the body"}`},
		{`{"increment_id":-1}`, `{"error":"the sequence number /increment_id is not a non-negative integer"}`},
		{`{"increment_id":1.5}`, `{"error":"the sequence number /increment_id is not a non-negative integer"}`},
		{`{"increment_id":"x"}`, `{"error":"the sequence number /increment_id is not a non-negative integer"}`},
		{`{"increment_id":null}`, `{"error":"the sequence number /increment_id is not a non-negative integer"}`},
		{`increment_id=1`, `{"error":"body is not valid json (the sequence number is read from /increment_id)"}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			st := openStore(t)
			_, url := sequenceReceiver(t, st, nil)
			resp, got := post(t, url, nil, []byte(tt.body))
			if resp.StatusCode != http.StatusBadRequest || strings.TrimSpace(got) != tt.want {
				t.Fatalf("got %d %s, want 400 %s", resp.StatusCode, got, tt.want)
			}
			if n := keyCount(t, st); n != 0 {
				t.Fatalf("a rejected request left %d keys", n)
			}
		})
	}
}

func TestSequenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	st := openStoreAt(t, dir, badgerstore.Process)
	_, url := sequenceReceiver(t, st, nil)
	for _, n := range []string{"1", "5"} {
		post(t, url, nil, []byte(`{"increment_id":`+n+`}`))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	// A new store object means state is loaded from disk, not memory.
	st2 := openStoreAt(t, dir, badgerstore.Process)
	r2, url2 := sequenceReceiver(t, st2, nil)
	for _, n := range []string{"3", "8"} {
		if resp, body := post(t, url2, nil, []byte(`{"increment_id":`+n+`}`)); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", n, resp.StatusCode, body)
		}
	}
	gaps, err := r2.Gaps()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gapText(gaps), "2-2 4-4 6-7"; got != want {
		t.Fatalf("gaps %q, want %q", got, want)
	}
	if gaps[0].DetectedAt.IsZero() || time.Since(gaps[0].DetectedAt) > time.Minute {
		t.Fatalf("detected_at %v", gaps[0].DetectedAt)
	}
}

func TestSequenceConcurrentArrivals(t *testing.T) {
	r, url := sequenceReceiver(t, openStore(t), nil)
	post(t, url, nil, []byte(`{"increment_id":1}`)) // the baseline
	// 2..59 except multiples of 10, posted concurrently in any order:
	// whatever the order, the gaps end up exactly the missing numbers.
	var wg sync.WaitGroup
	for i := 2; i < 60; i++ {
		if i%10 == 0 {
			continue
		}
		wg.Go(func() {
			if resp, body := post(t, url, nil, fmt.Appendf(nil, `{"increment_id":%d}`, i)); resp.StatusCode != 200 {
				t.Errorf("%d: %d %s", i, resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	gaps, err := r.Gaps()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gapText(gaps), "10-10 20-20 30-30 40-40 50-50"; got != want {
		t.Fatalf("gaps %q, want %q", got, want)
	}
}
