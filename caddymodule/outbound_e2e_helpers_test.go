package caddymodule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// The outbound and API tests run a real Caddy in-process through caddytest
// (admin on localhost:2999): run them under `flock /tmp/caddytest.lock`.
// The API site listens on 127.0.0.1:9600; subscribers are httptest servers
// on loopback, so configs set allow_private_targets unless a test is about
// the SSRF guard.

const (
	obPort = 9600
	obURL  = "http://127.0.0.1:9600/webhooks"
)

// obClient opens a connection per request, so no kept-alive connection
// outlives the config that served it.
var obClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

// obSetup describes one config of the outbound tests.
type obSetup struct {
	dir          string // storage_dir
	outbound     string // lines of the outbound block
	allowPrivate bool
	api          string // the webhook_api block's lines
	bind         string // address to bind the site to; default 127.0.0.1
	site         string // more site directives, e.g. a webhook_receiver
}

// config renders the Caddyfile.
func (s obSetup) config() string {
	allow := ""
	if s.allowPrivate {
		allow = "allow_private_targets"
	}
	bind := s.bind
	if bind == "" {
		bind = "127.0.0.1"
	}
	return fmt.Sprintf(`{
	admin localhost:2999
	http_port %d
	https_port 9643
	grace_period 1ns
	skip_install_trust
	webhooks {
		storage_dir %s
		durability process
		%s
		outbound {
%s
		}
	}
}

http://:%d {
	bind %s
	handle_path /webhooks/* {
		webhook_api {
%s
		}
	}
%s
}
`, obPort, s.dir, allow, s.outbound, obPort, bind, s.api, s.site)
}

// startOutbound loads the config and unloads everything when the test ends,
// so the store closes before t.TempDir() is removed.
func startOutbound(t *testing.T, s obSetup) *caddytest.Tester {
	t.Helper()
	tester := caddytest.NewTester(t)
	tester.InitServer(s.config(), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	t.Cleanup(func() { tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile") })
	return tester
}

// obCall sends one API request (body marshalled unless it is a string) and
// returns the status and the decoded JSON body (nil when empty).
func obCall(t *testing.T, method, path string, body any, header ...string) (int, map[string]any) {
	t.Helper()
	status, raw := obRaw(t, method, path, body, header...)
	if len(bytes.TrimSpace(raw)) == 0 {
		return status, nil
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: response %q is not a JSON object: %v", method, path, raw, err)
	}
	return status, out
}

// obRaw sends one API request and returns the status and raw body.
func obRaw(t *testing.T, method, path string, body any, header ...string) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, obURL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1] // the client sends req.Host, not a Host header
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := obClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// obCreate creates a subscription and returns it (with its secret).
func obCreate(t *testing.T, sub map[string]any) map[string]any {
	t.Helper()
	status, out := obCall(t, http.MethodPost, "/subscriptions", sub)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, out)
	}
	return out
}

// obPublish publishes an event and returns the answer.
func obPublish(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	status, out := obCall(t, http.MethodPost, "/events", ev)
	if status != http.StatusAccepted {
		t.Fatalf("publish: %d %v", status, out)
	}
	return out
}

// obGet returns a subscription as the API shows it.
func obGet(t *testing.T, id any) map[string]any {
	t.Helper()
	status, out := obCall(t, http.MethodGet, fmt.Sprintf("/subscriptions/%v", id), nil)
	if status != http.StatusOK {
		t.Fatalf("get %v: %d %v", id, status, out)
	}
	return out
}

// obAttempts lists a subscription's attempt log.
func obAttempts(t *testing.T, id any, status string) []map[string]any {
	t.Helper()
	code, out := obCall(t, http.MethodGet, fmt.Sprintf("/subscriptions/%v/deliveries?status=%s", id, status), nil)
	if code != http.StatusOK {
		t.Fatalf("deliveries of %v: %d %v", id, code, out)
	}
	var items []map[string]any
	for _, it := range out["items"].([]any) {
		items = append(items, it.(map[string]any))
	}
	return items
}

// obWaitFor polls cond until it holds, for up to within.
func obWaitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// obHit is one request a subscriber got.
type obHit struct {
	at     time.Time
	path   string
	header http.Header
	body   []byte
}

// obSubscriber is a real HTTP endpoint on 127.0.0.1 recording deliveries;
// respond (default 200) answers the n-th request.
type obSubscriber struct {
	*httptest.Server
	mu      sync.Mutex
	hits    []obHit
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newOBSubscriber(t *testing.T, respond func(n int, w http.ResponseWriter, r *http.Request)) *obSubscriber {
	t.Helper()
	s := &obSubscriber{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, obHit{at: time.Now(), path: r.URL.Path, header: r.Header.Clone(), body: body})
		n := len(s.hits)
		s.mu.Unlock()
		if s.respond != nil {
			s.respond(n, w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// got returns the requests so far.
func (s *obSubscriber) got() []obHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]obHit(nil), s.hits...)
}

// wait blocks until n requests arrived and returns them.
func (s *obSubscriber) wait(t *testing.T, n int) []obHit {
	t.Helper()
	obWaitFor(t, 10*time.Second, fmt.Sprintf("%d deliveries (have %d)", n, len(s.got())), func() bool {
		return len(s.got()) >= n
	})
	return s.got()
}

// incrementIDs reads increment_id from standard bodies.
func incrementIDs(t *testing.T, hits []obHit) []uint64 {
	t.Helper()
	var ids []uint64
	for _, h := range hits {
		var b struct {
			IncrementID uint64 `json:"increment_id"`
		}
		if err := json.Unmarshal(h.body, &b); err != nil {
			t.Fatalf("body %s: %v", h.body, err)
		}
		ids = append(ids, b.IncrementID)
	}
	return ids
}
