package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Tally counts deliveries of events by the body's own event id and by the
// gateway's delivery id, so lost and duplicated events can be counted.
type Tally struct {
	mu        sync.Mutex
	byEvent   map[string]int32
	byGateway map[string]int32
	total     atomic.Int64
	first     atomic.Int64 // unix nanos of the first delivery
	last      atomic.Int64 // unix nanos of the latest delivery
}

func NewTally() *Tally {
	return &Tally{byEvent: map[string]int32{}, byGateway: map[string]int32{}}
}

func (t *Tally) Add(eventID, gatewayID string) {
	now := time.Now().UnixNano()
	t.first.CompareAndSwap(0, now)
	t.last.Store(now)
	t.total.Add(1)
	t.mu.Lock()
	t.byEvent[eventID]++
	if gatewayID != "" {
		t.byGateway[gatewayID]++
	}
	t.mu.Unlock()
}

// Total is the number of deliveries received (duplicates included).
func (t *Tally) Total() int64 { return t.total.Load() }

// Distinct is the number of distinct events received.
func (t *Tally) Distinct() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.byEvent)
}

// Has reports whether an event was received.
func (t *Tally) Has(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byEvent[id] > 0
}

// Count returns lost (acked but never received) and duplicate deliveries
// (received more than once, counted by event id and by gateway id).
func (t *Tally) Count(acked []string) (lost int, dupEvent, dupGateway int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range acked {
		if t.byEvent[id] == 0 {
			lost++
		}
	}
	for _, n := range t.byEvent {
		if n > 1 {
			dupEvent += int(n - 1)
		}
	}
	for _, n := range t.byGateway {
		if n > 1 {
			dupGateway += int(n - 1)
		}
	}
	return
}

// Missing returns up to n acked ids never received.
func (t *Tally) Missing(acked []string, n int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, id := range acked {
		if t.byEvent[id] == 0 {
			out = append(out, id)
			if len(out) >= n {
				break
			}
		}
	}
	return out
}

// WaitFor waits until every id in acked was received or the limit passes;
// it returns whether all arrived.
func (t *Tally) WaitFor(acked []string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	set := make(map[string]struct{}, len(acked))
	for _, id := range acked {
		set[id] = struct{}{}
	}
	scanned := -1 // Distinct at the last scan; -1: none yet
	for {
		// Until as many new distinct events arrived since the last scan
		// as are still awaited, some are surely missing: skip the scan,
		// which holds the lock the app's handler needs (with a million
		// ids it would throttle the very drain it waits for). Scan in
		// chunks for the same reason.
		if d := t.Distinct(); scanned < 0 || d-scanned >= len(set) {
			scanned = d
			n := 0
			t.mu.Lock()
			for id := range set {
				if t.byEvent[id] > 0 {
					delete(set, id)
				}
				if n++; n%10000 == 0 {
					t.mu.Unlock()
					t.mu.Lock()
				}
			}
			t.mu.Unlock()
		}
		if len(set) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitQuiet waits until no delivery arrived for quiet, bounded by limit.
func (t *Tally) WaitQuiet(quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		last := t.last.Load()
		if last != 0 && time.Since(time.Unix(0, last)) > quiet {
			return
		}
		if last == 0 && time.Since(deadline.Add(-limit)) > quiet {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventIDOf extracts the bench's event id from a delivered body: XTND
// (/Properties/NotificationId), the standard inbound body (/id), or an
// outbound delivery (/data/eid).
func eventIDOf(body []byte) string {
	var v struct {
		ID         string `json:"id"`
		Properties struct {
			NotificationID string `json:"NotificationId"`
		} `json:"Properties"`
		Data struct {
			EID string `json:"eid"`
		} `json:"data"`
		EID string `json:"eid"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	switch {
	case v.Data.EID != "":
		return v.Data.EID
	case v.EID != "":
		return v.EID
	case v.Properties.NotificationID != "":
		return v.Properties.NotificationID
	}
	return v.ID
}

// App is the backend application behind the receivers: it counts every
// delivery and can be switched down (answers 503) and up.
type App struct {
	Tally   *Tally
	down    atomic.Bool
	delay   atomic.Int64 // nanoseconds to wait before answering
	rejects atomic.Int64
	srv     *http.Server
	URL     string
	Bad     atomic.Int64 // deliveries without a recognisable event id
	Headers sync.Map     // event id → http.Header, for ids starting with "hdr-"
}

func StartApp() (*App, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &App{Tally: NewTally()}
	a.URL = "http://127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go a.srv.Serve(l)
	return a, nil
}

func (a *App) SetDown(down bool) { a.down.Store(down) }

func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(400)
		return
	}
	if d := a.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	if a.down.Load() {
		a.rejects.Add(1)
		w.WriteHeader(503)
		return
	}
	id := eventIDOf(body)
	if id == "" {
		a.Bad.Add(1)
		id = "?" + r.Header.Get("Webhook-Gateway-Id")
	}
	if strings.HasPrefix(id, "hdr-") {
		a.Headers.Store(id, r.Header.Clone())
	}
	a.Tally.Add(id, r.Header.Get("Webhook-Gateway-Id"))
	w.WriteHeader(200)
}

func (a *App) Close() { a.srv.Close() }
