package outbound

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/delivery"
)

// BenchmarkPublishAndDeliver publishes b.N events from 64 goroutines to one
// subscription on 127.0.0.1 with the default policy (8 deliveries in
// flight) and fsync durability, and reports deliveries per second, end to
// end. Run: go test ./outbound -run '^$' -bench PublishAndDeliver -benchtime 6000x
func BenchmarkPublishAndDeliver(b *testing.B) {
	st, err := badgerstore.Open(badgerstore.Options{Dir: b.TempDir(), Durability: badgerstore.Fsync})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	eng := &delivery.Engine{Store: st, Prefix: QueuePrefix, Grace: time.Second}
	d, err := New(Config{Store: st, Policy: DefaultPolicy(), AllowPrivateTargets: true, Kick: eng.Kick, Resume: eng.Resume})
	if err != nil {
		b.Fatal(err)
	}
	eng.Resolve = d.Target
	if err := eng.Start(); err != nil {
		b.Fatal(err)
	}
	defer eng.Stop()
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	defer srv.Close()
	if _, err := d.Create(context.Background(), SubscriptionInput{URL: srv.URL}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range b.N {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if _, err := d.Publish(context.Background(), Event{Type: "t", Data: json.RawMessage(`{"a":1}`)}); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	for got.Load() < int64(b.N) {
		if time.Since(start) > time.Minute {
			b.Fatalf("%d of %d delivered after a minute", got.Load(), b.N)
		}
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
