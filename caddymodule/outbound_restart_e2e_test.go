package caddymodule

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// Stopping Caddy in the middle of retries loses nothing: after a restart
// on the same storage_dir every queued delivery arrives, in order.
func TestOutboundE2ERestartLosesNothing(t *testing.T) {
	setup := obSetup{dir: t.TempDir(), allowPrivate: true,
		outbound: "retry_schedule" + strings.Repeat(" 100ms", 30) + "\npause_on_failure 0s\nbreaker off\nconcurrency 1"}
	var healthy atomic.Bool
	sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	tester := caddytest.NewTester(t)
	tester.InitServer(setup.config(), "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
	t.Cleanup(func() { tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile") })
	id := obCreate(t, map[string]any{"url": sub.URL})["id"]
	for i := 1; i <= 5; i++ {
		obPublish(t, map[string]any{"type": "order:created", "data": map[string]any{"n": i}})
	}
	sub.wait(t, 2) // the first delivery is being retried

	// Stop: a config without the webhooks app closes the store.
	tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile")
	stopped := len(sub.got())
	time.Sleep(300 * time.Millisecond)
	if n := len(sub.got()); n != stopped {
		t.Fatalf("%d deliveries while stopped", n-stopped)
	}

	healthy.Store(true)
	tester.InitServer(setup.config(), "caddyfile")
	var ok []obHit
	obWaitFor(t, 10*time.Second, "every delivery to arrive", func() bool {
		ok = nil
		for _, h := range sub.got()[stopped:] {
			ok = append(ok, h)
		}
		return len(ok) >= 5
	})
	if got := incrementIDs(t, ok); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("after the restart increment_ids arrived %v", got)
	}
	obWaitFor(t, 5*time.Second, "the successes to be logged", func() bool {
		return len(obAttempts(t, id, "succeeded")) == 5
	})
	if sub := obGet(t, id); sub["increment_id"] != float64(5) || sub["status"] != "active" {
		t.Fatalf("after the restart: %v", sub)
	}
}

// Without allow_private_targets a loopback URL is refused on create, and a
// subscription whose target resolves to loopback is refused at dial time.
func TestOutboundE2ESSRFGuard(t *testing.T) {
	dir := t.TempDir()
	sub := newOBSubscriber(t, nil)
	tester := startOutbound(t, obSetup{dir: dir, allowPrivate: true})
	id := obCreate(t, map[string]any{"url": sub.URL, "policy": map[string]any{"retry_schedule": []string{"1h"}}})["id"]

	// The same storage without allow_private_targets.
	tester.InitServer(obSetup{dir: dir}.config(), "caddyfile")
	status, out := obCall(t, http.MethodPost, "/subscriptions", map[string]any{"url": sub.URL})
	if status != http.StatusUnprocessableEntity || !strings.Contains(out["error"].(string), "allow_private_targets") {
		t.Fatalf("create with a loopback url: %d %v", status, out)
	}
	obPublish(t, map[string]any{"type": "t", "data": map[string]any{}})
	var failed []map[string]any
	obWaitFor(t, 5*time.Second, "the refused attempt to be logged", func() bool {
		failed = obAttempts(t, id, "failed")
		return len(failed) == 1
	})
	if e := failed[0]["error"].(string); !strings.Contains(e, "refusing to dial 127.0.0.1") || !strings.Contains(e, "loopback") {
		t.Fatalf("attempt error %q", e)
	}
	if n := len(sub.got()); n != 0 {
		t.Fatalf("the loopback subscriber got %d requests", n)
	}
}
