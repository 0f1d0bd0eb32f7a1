package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// Bearer tokens (placeholders expanded) guard the API; without tokens
// loopback clients are served.
func TestAPIE2EAuth(t *testing.T) {
	t.Setenv("HOOKGATE_TEST_API_TOKEN", "from-env")
	tester := startOutbound(t, obSetup{dir: t.TempDir(), api: "token {env.HOOKGATE_TEST_API_TOKEN}\ntoken literal-token"})
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"placeholder token", []string{"Authorization", "Bearer from-env"}, http.StatusOK},
		{"literal token", []string{"Authorization", "Bearer literal-token"}, http.StatusOK},
		{"unexpanded placeholder is not a token", []string{"Authorization", "Bearer {env.HOOKGATE_TEST_API_TOKEN}"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := obCall(t, http.MethodGet, "/stats", nil, tt.header...)
			if status != tt.want {
				t.Fatalf("status %d, want %d (%v)", status, tt.want, out)
			}
			if status == http.StatusUnauthorized && out["error"] == nil {
				t.Fatalf("401 without an error body: %v", out)
			}
		})
	}
	// An unauthorized request changes nothing.
	if status, _ := obCall(t, http.MethodPost, "/subscriptions", map[string]any{"url": "https://example.com/x"}); status != http.StatusUnauthorized {
		t.Fatalf("unauthenticated create: %d", status)
	}
	if _, out := obCall(t, http.MethodGet, "/subscriptions", nil, "Authorization", "Bearer from-env"); len(out["items"].([]any)) != 0 {
		t.Fatalf("an unauthorized create stored %v", out)
	}

	// Without tokens, a loopback client is served.
	tester.InitServer(obSetup{dir: t.TempDir()}.config(), "caddyfile")
	if status, out := obCall(t, http.MethodGet, "/stats", nil); status != http.StatusOK {
		t.Fatalf("loopback client without tokens: %d %v", status, out)
	}
	// but not what a web page in a browser on this machine could send
	attacker := map[string]any{"url": "https://attacker.example/collect", "events": []string{"*"}}
	for _, h := range [][]string{
		{"Host", "rebind.attacker.example", "Content-Type", "text/plain"},
		{"Origin", "https://attacker.example", "Content-Type", "text/plain"},
	} {
		if status, out := obCall(t, http.MethodPost, "/subscriptions", attacker, h...); status != http.StatusForbidden {
			t.Fatalf("POST with %v: %d %v, want 403", h, status, out)
		}
	}
	if _, out := obCall(t, http.MethodGet, "/subscriptions", nil); len(out["items"].([]any)) != 0 {
		t.Fatalf("a refused request created a subscription: %v", out)
	}
}

// Bad requests get the right status, a JSON error, and store nothing.
func TestAPIE2EErrors(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true})
	big := `{"url": "https://example.com/x", "name": "` + strings.Repeat("x", 1<<20) + `"}`
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   int
		errHas string
	}{
		{"broken JSON", "POST", "/subscriptions", `{"url": `, 400, "invalid JSON"},
		{"empty body", "POST", "/subscriptions", ``, 400, "empty"},
		{"unknown field", "POST", "/subscriptions", `{"url": "https://example.com/x", "colour": "red"}`, 400, `unknown field "colour"`},
		{"wrong type", "POST", "/subscriptions", `{"url": 5}`, 400, "invalid JSON"},
		{"trailing data", "POST", "/subscriptions", `{"url": "https://example.com/x"} {}`, 400, "after the object"},
		{"too large", "POST", "/subscriptions", big, 413, "larger than"},
		{"invalid url", "POST", "/subscriptions", `{"url": "ftp://example.com/x"}`, 422, "http or https"},
		{"invalid format", "POST", "/subscriptions", `{"url": "https://example.com/x", "format": "soap"}`, 422, "format"},
		{"header injection", "POST", "/subscriptions", `{"url": "https://example.com/x", "headers": {"X-A": "1\r\nX-B: 2"}}`, 422, "control character"},
		{"read-only field", "POST", "/subscriptions", `{"url": "https://example.com/x", "increment_id": 9}`, 400, "unknown field"},
		{"unknown subscription", "GET", "/subscriptions/sub_nope", nil, 404, "not found"},
		{"unknown secret", "GET", "/subscriptions/sub_nope/secret", nil, 404, "not found"},
		{"unknown patch", "PATCH", "/subscriptions/sub_nope", `{"name": "x"}`, 404, "not found"},
		{"unknown delete", "DELETE", "/subscriptions/sub_nope", nil, 404, "not found"},
		{"unknown deliveries", "GET", "/subscriptions/sub_nope/deliveries", nil, 404, "not found"},
		{"unknown delivery retry", "POST", "/deliveries/dlv_nope_nope/retry", nil, 404, "not found"},
		{"malformed delivery id", "POST", "/deliveries/whatever/retry", nil, 404, "not found"},
		{"event without data", "POST", "/events", `{"type": "t"}`, 422, "data is required"},
		{"event without type", "POST", "/events", `{"data": {}}`, 422, "type"},
		{"event unknown field", "POST", "/events", `{"type": "t", "data": {}, "topic": "x"}`, 400, "unknown field"},
		{"bad limit", "GET", "/subscriptions?limit=0", nil, 400, "limit"},
		{"bad limit text", "GET", "/subscriptions?limit=ten", nil, 400, "limit"},
		{"unknown receiver dead", "GET", "/receivers/nope/dead", nil, 404, "no receiver"},
		{"unknown receiver retry", "POST", "/receivers/nope/dead/x/retry", nil, 404, "no receiver"},
		{"unknown receiver gaps", "GET", "/receivers/nope/gaps", nil, 404, "no receiver"},
		{"wrong method", "DELETE", "/stats", nil, 405, "not allowed"},
		{"unknown path", "GET", "/nope", nil, 404, "no such endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := obRaw(t, tt.method, tt.path, tt.body)
			var out struct {
				Error *string `json:"error"`
			}
			if err := json.Unmarshal(raw, &out); err != nil || out.Error == nil {
				t.Fatalf("%s %s: body %s is not {\"error\": ...}", tt.method, tt.path, raw)
			}
			if status != tt.want || !strings.Contains(*out.Error, tt.errHas) {
				t.Fatalf("%s %s: %d %s, want %d with an error containing %q", tt.method, tt.path, status, raw, tt.want, tt.errHas)
			}
		})
	}
	if _, out := obCall(t, http.MethodGet, "/subscriptions", nil); len(out["items"].([]any)) != 0 {
		t.Fatalf("rejected requests stored %v", out)
	}
	if _, out := obCall(t, http.MethodGet, "/stats", nil); out["outbound"].(map[string]any)["published"] != float64(0) {
		t.Fatalf("rejected events were published: %v", out)
	}
}

// The subscription lifecycle through the API, with stats and metrics.
func TestAPIE2ESubscriptionLifecycle(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true})
	sub := newOBSubscriber(t, nil)
	created := obCreate(t, map[string]any{
		"url": sub.URL, "name": "shop", "contact_email": "ops@example.com", "events": []string{"order:*"},
		"entity_id": 7, "filter": map[string]any{"/Warehouse": "GreenWarehouse"},
		"headers": map[string]string{"X-Extra": "v"},
	})
	id := created["id"].(string)
	secret, _ := created["secret"].(string)
	if !strings.HasPrefix(id, "sub_") || !strings.HasPrefix(secret, "whsec_") || created["entity_id"] != "7" ||
		created["status"] != "active" || created["status_until"] != nil || created["increment_id"] != float64(0) {
		t.Fatalf("created %v", created)
	}
	got := obGet(t, id)
	if _, has := got["secret"]; has {
		t.Fatalf("GET shows the secret: %v", got)
	}
	if _, out := obCall(t, http.MethodGet, "/subscriptions/"+id+"/secret", nil); out["secret"] != secret {
		t.Fatalf("secret endpoint: %v", out)
	}
	_, list := obCall(t, http.MethodGet, "/subscriptions", nil)
	items := list["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["secret"] != nil || list["next_cursor"] != "" {
		t.Fatalf("list %v", list)
	}
	if res := obPublish(t, map[string]any{"type": "order:created", "entity_id": "7", "data": map[string]any{"Warehouse": "GreenWarehouse"}}); res["deliveries"] != float64(1) {
		t.Fatalf("matching event: %v", res)
	}
	if res := obPublish(t, map[string]any{"type": "order:created", "entity_id": "7", "data": map[string]any{"Warehouse": "Blue"}}); res["deliveries"] != float64(0) {
		t.Fatalf("filtered event: %v", res)
	}
	first := obPublish(t, map[string]any{"id": "evt-dup", "type": "order:paid", "entity_id": 7, "data": map[string]any{"Warehouse": "GreenWarehouse"}})
	again := obPublish(t, map[string]any{"id": "evt-dup", "type": "order:paid", "entity_id": 7, "data": map[string]any{"Warehouse": "GreenWarehouse"}})
	if first["deliveries"] != float64(1) || again["deliveries"] != float64(0) || again["duplicate"] != true || again["id"] != "evt-dup" {
		t.Fatalf("repeated id: %v then %v", first, again)
	}
	sub.wait(t, 2)
	obWaitFor(t, 5*time.Second, "two successes logged", func() bool { return len(obAttempts(t, id, "succeeded")) == 2 })

	status, patched := obCall(t, http.MethodPatch, "/subscriptions/"+id, map[string]any{"name": "renamed", "active": false})
	if status != http.StatusOK || patched["name"] != "renamed" || patched["status"] != "disabled" || patched["active"] != false {
		t.Fatalf("patch: %d %v", status, patched)
	}
	if status, out := obCall(t, http.MethodPatch, "/subscriptions/"+id, map[string]any{"url": "gopher://x"}); status != http.StatusUnprocessableEntity {
		t.Fatalf("invalid patch: %d %v", status, out)
	}

	_, stats := obCall(t, http.MethodGet, "/stats", nil)
	ob := stats["outbound"].(map[string]any)
	if ob["published"] != float64(3) || ob["duplicates"] != float64(1) || ob["enqueued"] != float64(2) ||
		ob["attempts"].(map[string]any)["succeeded"] != float64(2) || ob["subscriptions"].(map[string]any)["disabled"] != float64(1) {
		t.Fatalf("stats %v", stats)
	}
	if v := obMetric(t, `caddy_webhooks_outbound_subscriptions{status="disabled"}`); v != 1 {
		t.Fatalf("subscriptions gauge %v", v)
	}
	if v := obMetric(t, `caddy_webhooks_outbound_deliveries_total{outcome="succeeded"}`); v < 2 {
		t.Fatalf("deliveries counter %v", v)
	}

	if status, raw := obRaw(t, http.MethodDelete, "/subscriptions/"+id, nil); status != http.StatusNoContent || len(raw) != 0 {
		t.Fatalf("delete: %d %s", status, raw)
	}
	if status, _ := obCall(t, http.MethodGet, "/subscriptions/"+id, nil); status != http.StatusNotFound {
		t.Fatalf("after delete: %d", status)
	}
}

// A receiver's dead letters, their replay and its gaps, through the API.
func TestAPIE2EReceiverEndpoints(t *testing.T) {
	var healthy atomic.Bool
	app := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	startOutbound(t, obSetup{dir: t.TempDir(), site: fmt.Sprintf(`
	handle /in/shop {
		webhook_receiver shop {
			verify none
			forward_to %s
			forward_retry 20ms
			forward_max_age 150ms
			sequence json /increment_id
		}
	}`, app.URL)})
	for _, n := range []int{1, 3} {
		resp, err := obClient.Post("http://127.0.0.1:9600/in/shop", "application/json",
			strings.NewReader(fmt.Sprintf(`{"increment_id": %d}`, n)))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("receiver answered %d", resp.StatusCode)
		}
	}
	_, gaps := obCall(t, http.MethodGet, "/receivers/shop/gaps", nil)
	if g := gaps["items"].([]any); len(g) != 1 || g[0].(map[string]any)["from"] != float64(2) || g[0].(map[string]any)["to"] != float64(2) {
		t.Fatalf("gaps %v", gaps)
	}
	var dead []any
	obWaitFor(t, 5*time.Second, "two dead letters", func() bool {
		_, out := obCall(t, http.MethodGet, "/receivers/shop/dead", nil)
		dead = out["items"].([]any)
		return len(dead) == 2
	})
	id := dead[0].(map[string]any)["id"].(string)
	healthy.Store(true)
	before := len(app.got())
	status, out := obCall(t, http.MethodPost, "/receivers/shop/dead/"+id+"/retry", nil)
	if status != http.StatusAccepted || out["id"] != id {
		t.Fatalf("replay: %d %v", status, out)
	}
	app.wait(t, before+1)
	if status, _ := obCall(t, http.MethodPost, "/receivers/shop/dead/"+id+"/retry", nil); status != http.StatusNotFound {
		t.Fatalf("replaying it again: %d", status)
	}
	obWaitFor(t, 5*time.Second, "one dead letter left", func() bool {
		_, out := obCall(t, http.MethodGet, "/receivers/shop/dead", nil)
		return len(out["items"].([]any)) == 1
	})
}

// obMetric reads one sample from Caddy's admin /metrics.
func obMetric(t *testing.T, series string) float64 {
	t.Helper()
	resp, err := obClient.Get("http://localhost:2999/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", series)
	return 0
}

// A reload that fails (here on a secret placeholder that expands to
// nothing, with another storage_dir) leaves the running config's gauges on
// the running config's store and subscriptions.
func TestMetricsSurviveFailedReload(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true})
	obCreate(t, map[string]any{"url": "http://127.0.0.1:9/x"})
	check := func(when string) {
		t.Helper()
		if n := obMetric(t, `caddy_webhooks_outbound_subscriptions{status="active"}`); n != 1 {
			t.Fatalf("%s: %v active subscriptions, want 1", when, n)
		}
		obMetric(t, `caddy_webhooks_queue_depth{direction="inbound"}`) // fails the test when absent
	}
	check("before the reload")
	bad := obSetup{dir: t.TempDir(), site: `webhook_receiver r {
		verify token {env.HOOKGATE_TEST_UNSET}
		forward_to http://127.0.0.1:1/
	}`}
	caddytest.AssertLoadError(t, bad.config(), "caddyfile", "is empty once expanded")
	check("after the failed reload")
}
