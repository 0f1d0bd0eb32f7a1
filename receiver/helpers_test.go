package receiver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

// openStore opens a real Badger store under t.TempDir() and closes it when
// the test ends. Process durability keeps the tests fast; one test uses
// Fsync.
func openStore(t testing.TB) *badgerstore.Store {
	t.Helper()
	return openStoreAt(t, t.TempDir(), badgerstore.Process)
}

// openStoreAt opens a store in dir and closes it when the test ends.
func openStoreAt(t testing.TB, dir string, d badgerstore.Durability) *badgerstore.Store {
	t.Helper()
	st, err := badgerstore.Open(badgerstore.Options{Dir: dir, Durability: d})
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// verifier builds a signing.Verifier or fails the test.
func verifier(t testing.TB, c signing.Config) signing.Verifier {
	t.Helper()
	v, err := signing.NewVerifier(c)
	if err != nil {
		t.Fatalf("NewVerifier(%s): %v", c.Scheme, err)
	}
	return v
}

// newReceiver builds a receiver on st or fails the test.
func newReceiver(t testing.TB, cfg Config, st store.Store, kick func(string)) *Receiver {
	t.Helper()
	r, err := New(cfg, st, kick, nil, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// serve starts a real loopback HTTP server in front of r.
func serve(t testing.TB, r *Receiver) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// post sends body with the given headers to url and returns the response
// and its body.
func post(t testing.TB, url string, h http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.String()
}

// signed returns the headers a provider using scheme would send for body.
func signed(t testing.TB, scheme, secret, msgID string, body []byte) http.Header {
	t.Helper()
	s, err := signing.NewSigner(scheme, secret)
	if err != nil {
		t.Fatalf("NewSigner(%s): %v", scheme, err)
	}
	h, err := s.Sign(msgID, time.Now(), body)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

// startEngine runs a delivery engine over r's queue, as the webhooks app
// does, and stops it when the test ends. It returns the kick function to
// pass to New; call bind with the receiver once it exists.
func startEngine(t testing.TB, st store.Store) (kick func(string), bind func(*Receiver)) {
	t.Helper()
	var mu sync.Mutex
	var rcv *Receiver
	e := &delivery.Engine{Store: st, Prefix: QueuePrefix, Grace: time.Second,
		Resolve: func(queue string) (delivery.Target, bool) {
			mu.Lock()
			defer mu.Unlock()
			if rcv == nil || queue != rcv.Queue() {
				return delivery.Target{}, false
			}
			return rcv.Target(), true
		}}
	if err := e.Start(); err != nil {
		t.Fatalf("starting engine: %v", err)
	}
	t.Cleanup(e.Stop)
	return e.Kick, func(r *Receiver) {
		mu.Lock()
		rcv = r
		mu.Unlock()
		e.Kick(r.Queue())
	}
}

// app is a real loopback HTTP server standing in for the application. It
// records every request and answers with status(n) for the n-th (1-based).
type app struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []seen
	status func(n int, r *http.Request) int
}

// seen is one request the app received.
type seen struct {
	header http.Header
	body   string
	code   int
}

// newApp starts an app; status may be nil (always 200).
func newApp(t testing.TB, status func(n int, r *http.Request) int) *app {
	t.Helper()
	a := &app{status: status}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		a.mu.Lock()
		n := len(a.got) + 1
		code := http.StatusOK
		if a.status != nil {
			code = a.status(n, r)
		}
		a.got = append(a.got, seen{header: r.Header.Clone(), body: buf.String(), code: code})
		a.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// requests returns a copy of what the app received.
func (a *app) requests() []seen {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seen(nil), a.got...)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// depth returns the queue depth or fails the test.
func depth(t testing.TB, r *Receiver) int {
	t.Helper()
	n, err := r.Depth()
	if err != nil {
		t.Fatalf("Depth: %v", err)
	}
	return n
}

// noCtx is a background context for store calls in tests.
var noCtx = context.Background()
