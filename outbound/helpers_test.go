package outbound

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/store"
)

// testEnv is a dispatcher on a real Badger store under t.TempDir(), with a
// running delivery engine.
type testEnv struct {
	d   *Dispatcher
	st  *badgerstore.Store
	eng *delivery.Engine
}

// newTestEnv starts a dispatcher whose default policy is DefaultPolicy
// merged with pol; private targets are allowed so subscribers can run on
// 127.0.0.1.
func newTestEnv(t *testing.T, pol Policy) *testEnv {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: t.TempDir(), Durability: badgerstore.Process})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	eng := &delivery.Engine{Store: st, Prefix: QueuePrefix, Grace: time.Second}
	d, err := New(Config{
		Store:               st,
		Policy:              DefaultPolicy().Merge(pol),
		AllowPrivateTargets: true,
		Kick:                eng.Kick,
		Resume:              eng.Resume,
	})
	if err != nil {
		t.Fatal(err)
	}
	eng.Resolve = d.Target
	if err := eng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Stop)
	return &testEnv{d: d, st: st, eng: eng}
}

// create makes a subscription or fails the test.
func (e *testEnv) create(t *testing.T, in SubscriptionInput) Subscription {
	t.Helper()
	s, err := e.d.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return s
}

// pauseForAnHour pauses a subscription, so its deliveries stay queued.
func (e *testEnv) pauseForAnHour(t *testing.T, id string) {
	t.Helper()
	if _, err := e.d.reg.update(context.Background(), id, func(r *record, _ *store.Batch) error {
		until := time.Now().Add(time.Hour)
		r.Status, r.StatusUntil = StatusPaused, &until
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// publish publishes an event or fails the test.
func (e *testEnv) publish(t *testing.T, ev Event) PublishResult {
	t.Helper()
	res, err := e.d.Publish(context.Background(), ev)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return res
}

// received is one request a subscriber got.
type received struct {
	header http.Header
	body   []byte
}

// subscriber is a real HTTP endpoint on 127.0.0.1 that records requests and
// answers with respond (200 when nil).
type subscriber struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	arrived chan struct{}
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newSubscriber(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *subscriber {
	s := &subscriber{arrived: make(chan struct{}, 1000), respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, received{header: r.Header.Clone(), body: body})
		n := len(s.got)
		s.mu.Unlock()
		if s.respond != nil {
			s.respond(n, w, r)
		}
		s.arrived <- struct{}{}
	}))
	t.Cleanup(s.Close)
	return s
}

// wait blocks until n requests in all have arrived.
func (s *subscriber) wait(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		if len(s.got) >= n {
			out := append([]received(nil), s.got...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-deadline:
			t.Fatalf("%d requests arrived, want %d", s.count(), n)
		}
	}
}

// count returns how many requests arrived.
func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

// standardOf decodes a standard-format body.
func standardOf(t *testing.T, b []byte) standardBody {
	t.Helper()
	var sb standardBody
	if err := json.Unmarshal(b, &sb); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return sb
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func intp(n int) *int { return &n }

// openAt opens a store in dir, closed when the test ends.
func openAt(t *testing.T, dir string) *badgerstore.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir, Durability: badgerstore.Process})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}
