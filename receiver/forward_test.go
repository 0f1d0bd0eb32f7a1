package receiver

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

var gatewayID = regexp.MustCompile(`^[0-9a-f]{26}$`)

func TestForwardRequest(t *testing.T) {
	st := openStore(t)
	a := newApp(t, nil)
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:      "xtnd",
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeMSSignature, Secrets: []string{xtndSecret}})},
		ForwardTo: a.srv.URL + "/hooks/xtnd?src=gw",
	}, st, kick)
	bind(r)
	srv := serve(t, r)

	body := xtndBody("n-1")
	h := signed(t, signing.SchemeMSSignature, xtndSecret, "", body)
	h.Set("X-Custom", "kept")
	h.Set("Connection", "X-Hop")
	h.Set("X-Hop", "dropped")
	h.Set("Keep-Alive", "timeout=5")
	h.Set("Proxy-Authorization", "Basic eDp5")
	h.Set(HeaderGatewayID, "forged")
	h.Set(HeaderVerified, "forged")
	resp, _ := post(t, srv.URL, h, body)
	if resp.StatusCode != 200 {
		t.Fatalf("ack status %d", resp.StatusCode)
	}
	waitFor(t, 5*time.Second, "the app to receive the event", func() bool { return len(a.requests()) == 1 })
	got := a.requests()[0]

	if got.body != string(body) {
		t.Fatalf("app got body %q, want the original %q", got.body, body)
	}
	want := map[string]string{
		"Content-Type":        "application/json",
		"Ms-Signature":        h.Get("Ms-Signature"),
		"X-Custom":            "kept",
		HeaderAttempt:         "1",
		HeaderVerified:        signing.SchemeMSSignature,
		"X-Hop":               "",
		"Keep-Alive":          "",
		"Proxy-Authorization": "",
	}
	for k, v := range want {
		if g := got.header.Get(k); g != v {
			t.Errorf("app got %s = %q, want %q", k, g, v)
		}
	}
	if id := got.header.Get(HeaderGatewayID); !gatewayID.MatchString(id) {
		t.Errorf("app got %s = %q, want hookgate's id", HeaderGatewayID, id)
	}
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return depth(t, r) == 0 })
}

func TestForwardRetriesKeepTheID(t *testing.T) {
	st := openStore(t)
	a := newApp(t, func(n int, _ *http.Request) int {
		switch n {
		case 1:
			return http.StatusInternalServerError
		case 2:
			return http.StatusFound // a redirect is a failure, not followed
		}
		return http.StatusNoContent // any 2xx is success
	})
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:         "r",
		Verifiers:    []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo:    a.srv.URL,
		ForwardRetry: []time.Duration{20 * time.Millisecond},
	}, st, kick)
	bind(r)
	srv := serve(t, r)
	post(t, srv.URL, nil, []byte(`{"x":1}`))

	waitFor(t, 5*time.Second, "three attempts", func() bool { return len(a.requests()) == 3 })
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return depth(t, r) == 0 })
	reqs := a.requests()
	id := reqs[0].header.Get(HeaderGatewayID)
	for i, req := range reqs {
		if g := req.header.Get(HeaderGatewayID); g != id {
			t.Errorf("attempt %d: id %q, want %q", i+1, g, id)
		}
		if g := req.header.Get(HeaderAttempt); g != strconv.Itoa(i+1) {
			t.Errorf("attempt %d: %s = %q", i+1, HeaderAttempt, g)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(a.requests()); n != 3 {
		t.Fatalf("the app got %d requests after success, want 3", n)
	}
}

func TestForwardOrderedUnderRetries(t *testing.T) {
	st := openStore(t)
	// The app fails the first attempt of every event.
	a := newApp(t, func(_ int, r *http.Request) int {
		if r.Header.Get(HeaderAttempt) == "1" {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:         "ordered",
		Verifiers:    []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo:    a.srv.URL,
		ForwardRetry: []time.Duration{10 * time.Millisecond},
		Ordered:      true,
	}, st, kick)
	srv := serve(t, r)
	const n = 20
	for i := range n {
		post(t, srv.URL, nil, fmt.Appendf(nil, `{"n":%d}`, i))
	}
	bind(r) // start forwarding once all are queued, so order is not luck

	waitFor(t, 10*time.Second, "every event", func() bool { return len(a.requests()) == 2*n })
	for i, req := range a.requests() {
		want := fmt.Sprintf(`{"n":%d}`, i/2)
		attempt := strconv.Itoa(i%2 + 1)
		if req.body != want || req.header.Get(HeaderAttempt) != attempt {
			t.Fatalf("request %d: %s attempt %s, want %s attempt %s", i, req.body, req.header.Get(HeaderAttempt), want, attempt)
		}
	}
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return depth(t, r) == 0 })
}

func TestForwardHoldsQueueWhileAppIsDown(t *testing.T) {
	st := openStore(t)
	var down atomic.Bool
	down.Store(true)
	a := newApp(t, func(_ int, _ *http.Request) int {
		if down.Load() {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:               "r",
		Verifiers:          []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		Dedupe:             Dedupe{By: DedupeOff},
		ForwardTo:          a.srv.URL,
		ForwardRetry:       []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond},
		ForwardConcurrency: 4,
	}, st, kick)
	bind(r)
	srv := serve(t, r)
	const n = 200
	for i := range n {
		post(t, srv.URL, nil, fmt.Appendf(nil, `{"n":%d}`, i))
	}
	time.Sleep(time.Second)
	// Without a hold every event would have been tried about five times
	// (retries every 200ms at most); the hold lets a round of 4 through
	// per 200ms.
	if tried := len(a.requests()); tried > 60 {
		t.Fatalf("%d attempts in one second against a down app with %d events queued; the queue was not held", tried, n)
	}

	down.Store(false)
	delivered := func() map[string]int {
		ok := map[string]int{}
		for _, req := range a.requests() {
			if req.code == http.StatusOK {
				ok[req.header.Get(HeaderGatewayID)]++
			}
		}
		return ok
	}
	waitFor(t, 10*time.Second, "all events delivered", func() bool { return len(delivered()) == n })
	time.Sleep(100 * time.Millisecond)
	for id, c := range delivered() {
		if c != 1 {
			t.Errorf("event %s delivered %d times", id, c)
		}
	}
	if d := depth(t, r); d != 0 {
		t.Fatalf("depth %d after delivery", d)
	}
}

func TestForwardMaxAgeThenReplay(t *testing.T) {
	st := openStore(t)
	var failing atomic.Bool
	failing.Store(true)
	a := newApp(t, func(_ int, _ *http.Request) int {
		if failing.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:          "r",
		Verifiers:     []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo:     a.srv.URL,
		ForwardRetry:  []time.Duration{50 * time.Millisecond},
		ForwardMaxAge: 500 * time.Millisecond,
	}, st, kick)
	bind(r)
	srv := serve(t, r)
	body := `{"order":"RP-101"}`
	post(t, srv.URL, http.Header{"Content-Type": {"application/json"}}, []byte(body))

	var dead []DeadLetter
	waitFor(t, 5*time.Second, "a dead letter", func() bool {
		var err error
		dead, _, err = r.Dead("", 0)
		return err == nil && len(dead) == 1
	})
	if d := depth(t, r); d != 0 {
		t.Fatalf("depth %d with the event dead", d)
	}
	dl := dead[0]
	tries := len(a.requests())
	if dl.Attempts != tries || tries < 2 {
		t.Errorf("dead letter says %d attempts, the app saw %d (want >= 2)", dl.Attempts, tries)
	}
	if dl.Body != body || dl.Size != len(body) || dl.ContentType != "application/json" || dl.Verified != "none" {
		t.Errorf("dead letter %+v does not describe the event", dl)
	}
	if dl.LastError == "" || dl.LastAttemptAt == nil || !gatewayID.MatchString(dl.ID) {
		t.Errorf("dead letter %+v lacks its failure", dl)
	}
	if age := time.Since(dl.ReceivedAt); age > 5*time.Second {
		t.Errorf("received_at %s is wrong", dl.ReceivedAt)
	}

	if err := r.Replay("no-such-id"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Replay of an unknown id: %v, want store.ErrNotFound", err)
	}
	failing.Store(false)
	if err := r.Replay(dl.ID); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	waitFor(t, 5*time.Second, "the replayed event", func() bool {
		reqs := a.requests()
		return len(reqs) == tries+1
	})
	last := a.requests()[tries]
	if last.header.Get(HeaderGatewayID) != dl.ID || last.header.Get(HeaderAttempt) != "1" || last.body != body {
		t.Fatalf("replayed request: id %q attempt %q body %q", last.header.Get(HeaderGatewayID), last.header.Get(HeaderAttempt), last.body)
	}
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return depth(t, r) == 0 })
	if dead, _, _ := r.Dead("", 0); len(dead) != 0 {
		t.Fatalf("%d dead letters after a successful replay", len(dead))
	}
	if err := r.Replay(dl.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Replay: %v, want store.ErrNotFound", err)
	}
}

func TestDeadPages(t *testing.T) {
	st := openStore(t)
	a := newApp(t, func(int, *http.Request) int { return http.StatusGone })
	kick, bind := startEngine(t, st)
	r := newReceiver(t, Config{
		Name:          "r",
		Verifiers:     []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo:     a.srv.URL,
		ForwardRetry:  []time.Duration{time.Hour},
		ForwardMaxAge: time.Minute, // the first failure's retry is past it
	}, st, kick)
	bind(r)
	srv := serve(t, r)
	for i := range 5 {
		post(t, srv.URL, nil, fmt.Appendf(nil, `{"n":%d}`, i))
	}
	waitFor(t, 5*time.Second, "five dead letters", func() bool {
		d, _, err := r.Dead("", 10)
		return err == nil && len(d) == 5
	})
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		items, next, err := r.Dead(cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		if next == "" {
			break
		}
		if len(items) != 2 || page > 3 {
			t.Fatalf("page %d: %d items, next %q", page, len(items), next)
		}
		cursor = next
	}
	if len(ids) != 5 {
		t.Fatalf("paged through %d dead letters, want 5", len(ids))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Fatalf("dead letters out of order: %v", ids)
		}
	}
	if items, _, _ := r.Dead("", 0); items[0].LastError != "app answered 410; not delivered within forward_max_age (1m0s)" {
		t.Fatalf("last_error %q", items[0].LastError)
	}
}

func TestAcknowledgedEventsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := func(to string) Config {
		return Config{
			Name:      "r",
			Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
			ForwardTo: to,
		}
	}
	st := openStoreAt(t, dir, badgerstore.Fsync)
	r := newReceiver(t, cfg("http://127.0.0.1:1/"), st, nil) // no forwarder runs
	srv := serve(t, r)
	const n = 30
	for i := range n {
		if resp, _ := post(t, srv.URL, nil, fmt.Appendf(nil, `{"n":%d}`, i)); resp.StatusCode != 200 {
			t.Fatalf("event %d: %d", i, resp.StatusCode)
		}
	}
	srv.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openStoreAt(t, dir, badgerstore.Fsync)
	a := newApp(t, nil)
	kick, bind := startEngine(t, st2)
	r2 := newReceiver(t, cfg(a.srv.URL), st2, kick)
	bind(r2)
	waitFor(t, 10*time.Second, "every acknowledged event", func() bool { return len(a.requests()) == n })
	seenBodies := map[string]bool{}
	for _, req := range a.requests() {
		seenBodies[req.body] = true
	}
	if len(seenBodies) != n {
		t.Fatalf("the app got %d distinct events, want %d", len(seenBodies), n)
	}
}
