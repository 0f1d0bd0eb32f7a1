package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/receiver"
	"github.com/hookgate/hookgate/signing"
)

// These tests run a real Caddy in-process through caddytest (admin on
// localhost:2999). Run them under `flock /tmp/caddytest.lock`, since other
// packages' caddytest tests use the same admin port. Sites listen on
// 127.0.0.1:9500; apps are httptest servers on loopback.

const (
	e2eAddr = "127.0.0.1:9500"
	e2eURL  = "http://" + e2eAddr
)

// e2eClient opens a connection per request: a kept-alive connection to the
// previous config's server would be closed under the next test.
var e2eClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true},
	Timeout:   10 * time.Second,
}

// startReceiverCaddy loads a config with the webhooks app (storage under
// t.TempDir()) and the given site body, and unloads it when the test ends so
// the store is closed before its directory is removed.
func startReceiverCaddy(t *testing.T, site string) *caddytest.Tester {
	t.Helper()
	dir := t.TempDir()
	tester := caddytest.NewTester(t)
	tester.InitServer(e2eConfig(dir, site), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	t.Cleanup(func() {
		tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile")
	})
	return tester
}

// runningApp returns the webhooks app of the running config.
func runningApp(t *testing.T) *App {
	t.Helper()
	a, err := caddy.ActiveContext().App("webhooks")
	if err != nil {
		t.Fatalf("webhooks app: %v", err)
	}
	return a.(*App)
}

// runningReceiver returns a receiver of the running config by name.
func runningReceiver(t *testing.T, name string) *receiver.Receiver {
	t.Helper()
	r, ok := runningApp(t).receiver(name)
	if !ok {
		t.Fatalf("no receiver %q in the running config", name)
	}
	return r
}

// e2eApp is the application behind hookgate: a real loopback HTTP server that
// records every request and answers status(request).
type e2eApp struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []e2eRequest
	status func(r *http.Request) int
}

type e2eRequest struct {
	header http.Header
	body   string
	code   int
}

func newE2EApp(t *testing.T, status func(*http.Request) int) *e2eApp {
	t.Helper()
	a := &e2eApp{status: status}
	a.srv = httptest.NewServer(a)
	t.Cleanup(a.srv.Close)
	return a
}

// ServeHTTP records the request.
func (a *e2eApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	code := http.StatusOK
	if a.status != nil {
		code = a.status(r)
	}
	a.mu.Lock()
	a.got = append(a.got, e2eRequest{header: r.Header.Clone(), body: string(body), code: code})
	a.mu.Unlock()
	w.WriteHeader(code)
}

func (a *e2eApp) requests() []e2eRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]e2eRequest(nil), a.got...)
}

// delivered counts the 2xx answers per Webhook-Gateway-Id.
func (a *e2eApp) delivered() map[string]int {
	n := map[string]int{}
	for _, r := range a.requests() {
		if r.code >= 200 && r.code < 300 {
			n[r.header.Get(receiver.HeaderGatewayID)]++
		}
	}
	return n
}

// sendTo posts body to the Caddy site path with headers.
func sendTo(t *testing.T, path string, h http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e2eURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e2eClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, strings.TrimSpace(string(b))
}

// signHeaders returns the headers a provider using scheme sends for body.
func signHeaders(t *testing.T, scheme, secret, msgID string, body []byte) http.Header {
	t.Helper()
	s, err := signing.NewSigner(scheme, secret)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Sign(msgID, time.Now(), body)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

// eventually polls cond until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// queueDepth is the receiver's queue depth.
func queueDepth(t *testing.T, name string) int {
	t.Helper()
	n, err := runningReceiver(t, name).Depth()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// metricValue reads one sample from Caddy's /metrics on the admin endpoint.
func metricValue(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

func xtndEvent(id string) []byte {
	return []byte(`{"Id":"6e249eebb818463086ae0dda6eeba7b2","Attempt":1,"Properties":{"NotificationId":"` + id +
		`"},"Notifications":[{"Action":"PurchasePartiallyDelivered","Details":{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}}]}`)
}

func TestReceiverE2EDuplicatesNotForwarded(t *testing.T) {
	app := newE2EApp(t, nil)
	startReceiverCaddy(t, fmt.Sprintf(`
	webhook_receiver /xtnd e2e_dupes {
		verify ms_signature secret123
		forward_to %s/hooks
	}`, app.srv.URL))

	body := xtndEvent("3b3fd4a6-36d5-46fe-8a3f-e73532529db3")
	h := signHeaders(t, signing.SchemeMSSignature, "secret123", "", body)
	for i := range 3 {
		resp, got := sendTo(t, "/xtnd", h, body)
		if resp.StatusCode != 200 || got != `{"Success": true}` {
			t.Fatalf("delivery %d: %d %s", i+1, resp.StatusCode, got)
		}
		if dup := resp.Header.Get(receiver.HeaderDuplicate) == "true"; dup != (i > 0) {
			t.Fatalf("delivery %d: duplicate header %v", i+1, dup)
		}
	}
	eventually(t, 5*time.Second, "the event at the app", func() bool { return len(app.requests()) >= 1 })
	eventually(t, 5*time.Second, "an empty queue", func() bool { return queueDepth(t, "e2e_dupes") == 0 })
	time.Sleep(200 * time.Millisecond)
	if n := len(app.requests()); n != 1 {
		t.Fatalf("the app got %d requests for one event sent three times", n)
	}
	if v := metricValue(t, `caddy_webhooks_receiver_requests_total{outcome="duplicate",receiver="e2e_dupes"}`); v != 2 {
		t.Fatalf("duplicate metric = %v, want 2", v)
	}
	if v := metricValue(t, `caddy_webhooks_receiver_forwards_total{outcome="delivered",receiver="e2e_dupes"}`); v != 1 {
		t.Fatalf("delivered metric = %v, want 1", v)
	}
}

func TestReceiverE2EAppDownThenBack(t *testing.T) {
	// Reserve a loopback port for the app, which is not listening yet.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appAddr := l.Addr().String()
	l.Close()

	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	startReceiverCaddy(t, fmt.Sprintf(`
	webhook_receiver /std e2e_down {
		verify standard %s
		forward_to http://%s/hooks
		forward_retry 50ms 100ms 200ms
	}`, secret, appAddr))

	const n = 500
	sent := make(map[string]bool, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	jobs := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range jobs {
				body := fmt.Appendf(nil, `{"type":"order.created","n":%d}`, i)
				resp, got := sendTo(t, "/std", signHeaders(t, signing.SchemeStandard, secret, fmt.Sprintf("msg_%d", i), body), body)
				if resp.StatusCode != 200 {
					t.Errorf("event %d: %d %s", i, resp.StatusCode, got)
				}
				mu.Lock()
				sent[string(body)] = true
				mu.Unlock()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if d := queueDepth(t, "e2e_down"); d != n {
		t.Fatalf("queue depth %d with the app down, want %d", d, n)
	}

	// The app comes back on its address.
	app := &e2eApp{}
	l, err = net.Listen("tcp", appAddr)
	if err != nil {
		t.Fatalf("relistening on %s: %v", appAddr, err)
	}
	srv := &http.Server{Handler: app}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	eventually(t, 20*time.Second, "all 500 events at the app", func() bool { return len(app.delivered()) == n })
	eventually(t, 5*time.Second, "an empty queue", func() bool { return queueDepth(t, "e2e_down") == 0 })
	time.Sleep(200 * time.Millisecond)
	for id, c := range app.delivered() {
		if c != 1 {
			t.Errorf("event %s delivered %d times", id, c)
		}
	}
	got := map[string]bool{}
	for _, r := range app.requests() {
		got[r.body] = true
		if r.header.Get("Webhook-Id") == "" || r.header.Get(receiver.HeaderVerified) != "standard" {
			t.Fatalf("forwarded headers %v lack the provider's or hookgate's", r.header)
		}
	}
	for body := range sent {
		if !got[body] {
			t.Fatalf("event %s was acknowledged but never delivered", body)
		}
	}
}

func TestReceiverE2ERejectionsStoreNothing(t *testing.T) {
	app := newE2EApp(t, nil)
	startReceiverCaddy(t, fmt.Sprintf(`
	webhook_receiver /xtnd e2e_reject {
		verify ms_signature secret123
		max_body 1KiB
		forward_to %s/hooks
	}`, app.srv.URL))
	st := runningApp(t).store
	before := storeKeys(t, st)

	good := xtndEvent("n-1")
	big := xtndEvent(strings.Repeat("x", 2000))
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		status int
		reason string
	}{
		{"signature missing", http.Header{}, good, 401, "missing ms-signature header"},
		{"signature wrong", signHeaders(t, signing.SchemeMSSignature, "wrong", "", good), good, 401, "no matching signature"},
		{"seed sample is not json", http.Header{"Ms-Signature": {"sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A"}},
			[]byte(`{'test':'test2'}`), 400, "body is not valid json (the dedupe key is read from /Properties/NotificationId)"},
		{"dedupe pointer absent", signHeaders(t, signing.SchemeMSSignature, "secret123", "", []byte(`{"Id":"1"}`)),
			[]byte(`{"Id":"1"}`), 400, "the dedupe key /Properties/NotificationId is absent from the body"},
		{"over max_body", signHeaders(t, signing.SchemeMSSignature, "secret123", "", big), big, 413, "body is larger than max_body (1 KiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, got := sendTo(t, "/xtnd", tt.header, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if resp.StatusCode != tt.status || json.Unmarshal([]byte(got), &e) != nil || e.Error != tt.reason {
				t.Fatalf("got %d %s, want %d {\"error\": %q}", resp.StatusCode, got, tt.status, tt.reason)
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	if after := storeKeys(t, st); after != before {
		t.Fatalf("rejected requests changed the store: %d keys before, %d after", before, after)
	}
	if d := queueDepth(t, "e2e_reject"); d != 0 {
		t.Fatalf("queue depth %d after rejections", d)
	}
	if n := len(app.requests()); n != 0 {
		t.Fatalf("the app got %d requests from rejected webhooks", n)
	}
	if v := metricValue(t, `caddy_webhooks_receiver_requests_total{outcome="unauthorized",receiver="e2e_reject"}`); v != 2 {
		t.Fatalf("unauthorized metric = %v, want 2", v)
	}
}

func TestReceiverE2ESchemesAndForwardedHeaders(t *testing.T) {
	const stdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	t.Setenv("HOOKGATE_E2E_XTND", "secret123")
	secretFile := filepath.Join(t.TempDir(), "gh_secret")
	if err := os.WriteFile(secretFile, []byte("gh-file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := newE2EApp(t, nil)
	startReceiverCaddy(t, fmt.Sprintf(`
	handle /xtnd {
		webhook_receiver e2e_xtnd {
			verify ms_signature {env.HOOKGATE_E2E_XTND}
			dedupe body
			forward_to %[1]s/xtnd
		}
	}
	handle /std {
		webhook_receiver e2e_std {
			verify standard %[2]s
			forward_to %[1]s/std
		}
	}
	handle /gh {
		webhook_receiver e2e_gh {
			verify github {file.%[3]s}
			forward_to %[1]s/gh?src=hookgate
		}
	}`, app.srv.URL, stdSecret, secretFile))

	// XTND's documented sample, with the secret from {env.…}.
	seed := []byte(`{'test':'test2'}`)
	resp, got := sendTo(t, "/xtnd", http.Header{
		"Ms-Signature":           {"sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A"},
		"Content-Type":           {"application/json"},
		"Connection":             {"X-Hop"},
		"X-Hop":                  {"must not pass"},
		"Keep-Alive":             {"timeout=5"},
		"X-Custom":               {"passes"},
		receiver.HeaderGatewayID: {"forged"},
	}, seed)
	if resp.StatusCode != 200 {
		t.Fatalf("seed vector: %d %s", resp.StatusCode, got)
	}

	// Standard Webhooks.
	stdBody := []byte(`{"type":"invoice.paid"}`)
	if resp, got := sendTo(t, "/std", signHeaders(t, signing.SchemeStandard, stdSecret, "msg_e2e", stdBody), stdBody); resp.StatusCode != 200 {
		t.Fatalf("standard: %d %s", resp.StatusCode, got)
	}

	// GitHub, with the secret from {file.…} (its trailing newline dropped).
	ghBody := []byte(`{"zen":"Keep it logically awesome."}`)
	gh := signHeaders(t, signing.SchemeGitHub, "gh-file-secret", "", ghBody)
	gh.Set("X-GitHub-Delivery", "72d3162e")
	if resp, got := sendTo(t, "/gh", gh, ghBody); resp.StatusCode != 200 {
		t.Fatalf("github: %d %s", resp.StatusCode, got)
	}

	eventually(t, 5*time.Second, "three events at the app", func() bool { return len(app.delivered()) == 3 })
	byBody := map[string]e2eRequest{}
	for _, r := range app.requests() {
		byBody[r.body] = r
	}
	checks := []struct {
		body    []byte
		scheme  string
		present map[string]string
	}{
		{seed, "ms_signature", map[string]string{"Ms-Signature": "sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A", "X-Custom": "passes"}},
		{stdBody, "standard", map[string]string{"Webhook-Id": "msg_e2e"}},
		{ghBody, "github", map[string]string{"X-Github-Delivery": "72d3162e"}},
	}
	for _, c := range checks {
		r, ok := byBody[string(c.body)]
		if !ok {
			t.Fatalf("the app never got %s", c.body)
		}
		if r.header.Get(receiver.HeaderVerified) != c.scheme || r.header.Get(receiver.HeaderAttempt) != "1" {
			t.Errorf("%s: Webhook-Verified %q, Webhook-Attempt %q", c.scheme, r.header.Get(receiver.HeaderVerified), r.header.Get(receiver.HeaderAttempt))
		}
		if id := r.header.Get(receiver.HeaderGatewayID); len(id) != 26 {
			t.Errorf("%s: Webhook-Gateway-Id %q is not hookgate's", c.scheme, id)
		}
		for k, v := range c.present {
			if r.header.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", c.scheme, k, r.header.Get(k), v)
			}
		}
		for _, hop := range []string{"X-Hop", "Keep-Alive", "Connection"} {
			if r.header.Get(hop) != "" {
				t.Errorf("%s: hop-by-hop %s = %q was forwarded", c.scheme, hop, r.header.Get(hop))
			}
		}
	}
}

func TestReceiverE2EOrderedUnderRetries(t *testing.T) {
	// The app fails every event's first attempt.
	app := newE2EApp(t, func(r *http.Request) int {
		if r.Header.Get(receiver.HeaderAttempt) == "1" {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	startReceiverCaddy(t, fmt.Sprintf(`
	webhook_receiver /shop e2e_ordered {
		verify none
		sequence json /increment_id
		ordered
		forward_retry 20ms
		forward_to %s/shop
	}`, app.srv.URL))

	const n = 15
	for i := 1; i <= n; i++ {
		if i == 8 {
			continue // a missed event: a gap
		}
		if resp, got := sendTo(t, "/shop", nil, fmt.Appendf(nil, `{"increment_id":%d}`, i)); resp.StatusCode != 200 {
			t.Fatalf("event %d: %d %s", i, resp.StatusCode, got)
		}
	}
	eventually(t, 10*time.Second, "every event delivered", func() bool { return len(app.delivered()) == n-1 })
	var order []string
	for _, r := range app.requests() {
		if r.code == http.StatusOK {
			order = append(order, r.body)
		}
	}
	k := 0
	for i := 1; i <= n; i++ {
		if i == 8 {
			continue
		}
		if want := fmt.Sprintf(`{"increment_id":%d}`, i); order[k] != want {
			t.Fatalf("delivery %d was %s, want %s (order %v)", k+1, order[k], want, order)
		}
		k++
	}
	gaps, err := runningReceiver(t, "e2e_ordered").Gaps()
	if err != nil || len(gaps) != 1 || gaps[0].From != 8 || gaps[0].To != 8 {
		t.Fatalf("gaps %+v, %v; want the one missing number 8", gaps, err)
	}
}

func TestReceiverE2EStoreUnavailableIs503(t *testing.T) {
	app := newE2EApp(t, nil)
	startReceiverCaddy(t, fmt.Sprintf(`
	webhook_receiver /any e2e_503 {
		verify none
		forward_to %s/
	}`, app.srv.URL))
	// The store really goes away underneath the running receiver.
	if err := runningApp(t).store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, got := sendTo(t, "/any", nil, []byte(`{"a":1}`))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d (Retry-After %q) %s, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), got)
	}
	if got != `{"error":"store unavailable; event not stored"}` {
		t.Fatalf("body %s", got)
	}
}

// storeKeys counts every key in the store.
func storeKeys(t *testing.T, st *badgerstore.Store) int {
	t.Helper()
	n, err := st.KeyCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceiverE2EConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		site string
		want string
	}{
		{"secret placeholder expands to nothing", `webhook_receiver {
		verify github {env.HOOKGATE_E2E_UNSET}
		forward_to http://127.0.0.1:1/
	}`, "verify github: secret 1 ({env.HOOKGATE_E2E_UNSET}) is empty once expanded"},
		{"a name has one set of settings", `handle /a {
		webhook_receiver same {
			verify none
			forward_to http://127.0.0.1:1/
		}
	}
	handle /b {
		webhook_receiver same {
			verify none
			forward_to http://127.0.0.1:2/
		}
	}`, "is used twice with different settings; give each receiver its own name"},
		{"an unnamed receiver is named default", `handle /a {
		webhook_receiver {
			verify none
			forward_to http://127.0.0.1:1/
		}
	}
	handle /b {
		webhook_receiver default {
			verify none
			forward_to http://127.0.0.1:2/
		}
	}`, `default\" is used twice with different settings`}, // quotes escaped in the admin API's JSON
		{"forward_to is required", `webhook_receiver {
		verify none
	}`, "forward_to is required"},
		{"a bad standard secret", `webhook_receiver {
		verify standard whsec_not*base64
		forward_to http://127.0.0.1:1/
	}`, "verify standard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			caddytest.AssertLoadError(t, e2eConfig(t.TempDir(), tt.site), "caddyfile", tt.want)
		})
	}
}

// e2eConfig is the Caddyfile of the receiver e2e tests: the webhooks app on
// dir and site inside the test server's address.
func e2eConfig(dir, site string) string {
	return fmt.Sprintf(`{
	admin localhost:2999
	http_port 9500
	https_port 9543
	grace_period 1ns
	skip_install_trust
	webhooks {
		storage_dir %s
		durability process
	}
}

http://%s {
	bind 127.0.0.1
	%s
}
`, dir, e2eAddr, site)
}

// The Caddyfile adapter copies a site's routes into each server the site
// listens on: a receiver written once in a site with two addresses is one
// receiver, one queue, whichever address a webhook arrives on.
func TestReceiverE2ESiteWithTwoListeners(t *testing.T) {
	app := newE2EApp(t, nil)
	tester := caddytest.NewTester(t)
	dir := t.TempDir()
	cfg := strings.Replace(e2eConfig(dir, ""), "http://"+e2eAddr+" {", "http://"+e2eAddr+", http://127.0.0.1:9501 {", 1)
	cfg = strings.Replace(cfg, "\tbind 127.0.0.1\n", "\tbind 127.0.0.1\n\twebhook_receiver both {\n\t\tverify none\n\t\tforward_to "+app.srv.URL+"\n\t}\n", 1)
	tester.InitServer(cfg, "caddyfile")
	t.Cleanup(func() { tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile") })
	for i, addr := range []string{e2eAddr, "127.0.0.1:9501"} {
		resp, err := e2eClient.Post("http://"+addr+"/", "application/json", strings.NewReader(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook to %s: %d", addr, resp.StatusCode)
		}
	}
	eventually(t, 10*time.Second, "both events forwarded", func() bool { return len(app.delivered()) == 2 })
	for id, n := range app.delivered() {
		if n != 1 {
			t.Fatalf("event %s forwarded %d times", id, n)
		}
	}
}

// Events acknowledged by a receiver that a reload renames wait in the store
// (the new config reports them at start) and are forwarded once a receiver
// of their name is back.
func TestReceiverE2ERenamedReceiverEventsWait(t *testing.T) {
	app := newE2EApp(t, nil)
	site := func(name, forward string) string {
		return "webhook_receiver " + name + " {\n\t\tverify none\n\t\tforward_to " + forward + "\n\t}"
	}
	dir := t.TempDir()
	tester := caddytest.NewTester(t)
	tester.InitServer(e2eConfig(dir, site("a", "http://127.0.0.1:1/down")), "caddyfile")
	t.Cleanup(func() { tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile") })
	if resp, _ := sendTo(t, "/", nil, []byte(`{"n":1}`)); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	tester.InitServer(e2eConfig(dir, site("b", app.srv.URL)), "caddyfile")
	if got, err := runningApp(t).strandedReceivers(); err != nil || got["a"] != 1 || len(got) != 1 {
		t.Fatalf("after renaming a to b: stranded = %v, %v; want a: 1", got, err)
	}
	tester.InitServer(e2eConfig(dir, site("a", app.srv.URL)), "caddyfile")
	eventually(t, 10*time.Second, "the waiting event forwarded", func() bool { return len(app.delivered()) == 1 })
	if got, _ := runningApp(t).strandedReceivers(); len(got) != 0 {
		t.Fatalf("with a back: stranded = %v", got)
	}
}
