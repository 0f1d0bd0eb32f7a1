package caddymodule

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// Each format's body and headers, exactly as the contract's table, with
// signatures that verify as the reference libraries do.
func TestOutboundE2EFormatsAndSignatures(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true, outbound: "pause_on_failure 0s"})
	event := map[string]any{
		"id": "evt-formats", "type": "Article.Updated", "entity_id": "7",
		"data": map[string]any{"OrderNumber": "RP-101", "Warehouse": "GreenWarehouse"},
	}
	tests := []struct {
		format    string
		signature string
		wantBody  func(deliveryID string) string
	}{
		{"standard", "standard", nil}, // timestamp is the publish time: checked field by field
		{"xtnd", "ms_signature", func(id string) string {
			return `{"Id":"` + id + `","Attempt":1,"Properties":{"NotificationId":"evt-formats"},` +
				`"Notifications":[{"Action":"Article.Updated","Details":{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}}]}`
		}},
		{"xena", "standard", func(string) string {
			return `{"EntityType":"Article","EntityId":7,"EntityEvent":"Updated"}`
		}},
		{"raw", "standard", func(string) string {
			return `{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}`
		}},
	}
	subs := make(map[string]*obSubscriber)
	secrets := make(map[string]string)
	for _, tt := range tests {
		subs[tt.format] = newOBSubscriber(t, nil)
		created := obCreate(t, map[string]any{
			"url": subs[tt.format].URL + "/hook", "format": tt.format, "events": []string{"Article.*"},
			"headers": map[string]string{"X-Extra": "v-" + tt.format},
		})
		if created["signature"] != tt.signature {
			t.Fatalf("format %s: default signature %v, want %s", tt.format, created["signature"], tt.signature)
		}
		secrets[tt.format] = created["secret"].(string)
	}
	before := time.Now().Add(-time.Second)
	if res := obPublish(t, event); res["deliveries"] != float64(4) {
		t.Fatalf("published to %v subscriptions, want 4", res["deliveries"])
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			hit := subs[tt.format].wait(t, 1)[0]
			h := hit.header
			if h.Get("Content-Type") != "application/json" || h.Get("X-Extra") != "v-"+tt.format || h.Get("Webhook-Increment-Id") != "1" {
				t.Fatalf("headers %v", h)
			}
			deliveryID := h.Get("Webhook-Id")
			if tt.signature == "standard" {
				v, err := signing.NewVerifier(signing.Config{Scheme: "standard", Secrets: []string{secrets[tt.format]}})
				if err != nil {
					t.Fatal(err)
				}
				if err := v.Verify(h, nil, hit.body, time.Now()); err != nil {
					t.Fatalf("Standard Webhooks signature does not verify: %v", err)
				}
				if !strings.HasPrefix(h.Get("Webhook-Signature"), "v1,") || !strings.HasPrefix(deliveryID, "dlv_") {
					t.Fatalf("standard headers %v", h)
				}
				ts, _ := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
				if d := time.Since(time.Unix(ts, 0)); d < -time.Minute || d > time.Minute {
					t.Fatalf("webhook-timestamp %d is %s away", ts, d)
				}
			} else {
				v, err := signing.NewVerifier(signing.Config{Scheme: "ms_signature", Secrets: []string{secrets[tt.format]}})
				if err != nil {
					t.Fatal(err)
				}
				if err := v.Verify(h, nil, hit.body, time.Now()); err != nil {
					t.Fatalf("ms-signature does not verify: %v", err)
				}
				mac := hmac.New(sha256.New, []byte(secrets[tt.format]))
				mac.Write(hit.body)
				if want := "sha256=" + strings.ToUpper(hex.EncodeToString(mac.Sum(nil))); h.Get("Ms-Signature") != want {
					t.Fatalf("ms-signature %q, want %q", h.Get("Ms-Signature"), want)
				}
				if h.Get("Webhook-Signature") != "" {
					t.Fatal("an ms_signature delivery also carries webhook-signature")
				}
				// The delivery id is the xtnd body's Id.
				var b struct{ Id string }
				_ = json.Unmarshal(hit.body, &b)
				deliveryID = b.Id
			}
			if tt.wantBody == nil {
				var b struct {
					Type        string          `json:"type"`
					Timestamp   time.Time       `json:"timestamp"`
					IncrementID uint64          `json:"increment_id"`
					Data        json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal(hit.body, &b); err != nil {
					t.Fatal(err)
				}
				if b.Type != "Article.Updated" || b.IncrementID != 1 || string(b.Data) != `{"OrderNumber":"RP-101","Warehouse":"GreenWarehouse"}` ||
					b.Timestamp.Before(before) || b.Timestamp.After(time.Now()) {
					t.Fatalf("standard body %s", hit.body)
				}
				var keys map[string]json.RawMessage
				_ = json.Unmarshal(hit.body, &keys)
				if len(keys) != 4 {
					t.Fatalf("standard body has fields %v, want type, timestamp, increment_id, data", keys)
				}
				return
			}
			if want := tt.wantBody(deliveryID); string(hit.body) != want {
				t.Fatalf("body\n%s\nwant\n%s", hit.body, want)
			}
		})
	}
}

// The seed's ms-signature test vector, through the signer deliveries use.
func TestOutboundMSSignatureSeedVector(t *testing.T) {
	s, err := signing.NewSigner("ms_signature", "secret123")
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Sign("ignored", time.Now(), []byte(`{'test':'test2'}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("ms-signature"); got != "sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A" {
		t.Fatalf("ms-signature %q", got)
	}
}

// increment_id counts 1, 2, 3… with no gap per subscription; with
// concurrency 1 they also arrive in order.
func TestOutboundE2EIncrementIDGapless(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true})
	ordered := newOBSubscriber(t, nil)
	parallel := newOBSubscriber(t, nil)
	only := newOBSubscriber(t, nil)
	obCreate(t, map[string]any{"url": ordered.URL, "events": []string{"order:*"}, "policy": map[string]any{"concurrency": 1}})
	obCreate(t, map[string]any{"url": parallel.URL, "events": []string{"order:*"}})
	obCreate(t, map[string]any{"url": only.URL, "events": []string{"order:paid"}})
	const n = 30
	for i := 1; i <= n; i++ {
		typ := "order:created"
		if i%3 == 0 {
			typ = "order:paid"
		}
		obPublish(t, map[string]any{"type": typ, "data": map[string]any{"n": i}})
	}
	want := make([]uint64, n)
	for i := range want {
		want[i] = uint64(i + 1)
	}
	if got := incrementIDs(t, ordered.wait(t, n)); !slices.Equal(got, want) {
		t.Fatalf("concurrency 1: increment_ids %v", got)
	}
	got := incrementIDs(t, parallel.wait(t, n))
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("concurrency 8: increment_ids (sorted) %v", got)
	}
	got = incrementIDs(t, only.wait(t, n/3))
	slices.Sort(got)
	if !slices.Equal(got, want[:n/3]) {
		t.Fatalf("order:paid only: increment_ids (sorted) %v", got)
	}
	time.Sleep(100 * time.Millisecond)
	if len(ordered.got()) != n || len(parallel.got()) != n || len(only.got()) != n/3 {
		t.Fatalf("extra deliveries: %d, %d, %d", len(ordered.got()), len(parallel.got()), len(only.got()))
	}
}

// Each deactivation status disables the subscription at once, naming the
// status; a disabled subscription then gets nothing.
func TestOutboundE2EDeactivationStatuses(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true})
	codes := []int{400, 401, 403, 404, 405, 406, 410, 411}
	ids := make(map[int]string)
	for _, code := range codes {
		sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
		ids[code] = obCreate(t, map[string]any{"url": sub.URL})["id"].(string)
	}
	obPublish(t, map[string]any{"type": "order:created", "data": map[string]any{}})
	for _, code := range codes {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var sub map[string]any
			obWaitFor(t, 5*time.Second, "the deactivation", func() bool {
				sub = obGet(t, ids[code])
				return sub["status"] == "disabled"
			})
			if sub["active"] != false || !strings.Contains(sub["status_reason"].(string), strconv.Itoa(code)) {
				t.Fatalf("status_reason %q does not name %d (%v)", sub["status_reason"], code, sub)
			}
			failed := obAttempts(t, ids[code], "failed")
			if len(failed) != 1 || failed[0]["response_status"] != float64(code) || failed[0]["outcome"] != "deactivated" {
				t.Fatalf("attempt log %v", failed)
			}
		})
	}
	if res := obPublish(t, map[string]any{"type": "order:created", "data": map[string]any{}}); res["deliveries"] != float64(0) {
		t.Fatalf("disabled subscriptions got %v deliveries", res["deliveries"])
	}
}

// "please unsubscribe me" in a response deletes the subscription, whatever
// the status, and drops its queue.
func TestOutboundE2EUnsubscribeBody(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true, outbound: "retry_schedule 1h"})
	for _, code := range []int{200, 500} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(code)
				_, _ = w.Write([]byte("OK, but Please Unsubscribe Me"))
			})
			// One at a time, so the second delivery is still queued when
			// the first answer deletes the subscription.
			id := obCreate(t, map[string]any{"url": sub.URL, "events": []string{fmt.Sprintf("t%d", code)},
				"policy": map[string]any{"concurrency": 1}})["id"]
			obPublish(t, map[string]any{"type": fmt.Sprintf("t%d", code), "data": 1})
			obPublish(t, map[string]any{"type": fmt.Sprintf("t%d", code), "data": 2})
			obWaitFor(t, 5*time.Second, "the deletion", func() bool {
				status, _ := obCall(t, http.MethodGet, fmt.Sprintf("/subscriptions/%v", id), nil)
				return status == http.StatusNotFound
			})
			time.Sleep(100 * time.Millisecond)
			if n := len(sub.got()); n != 1 {
				t.Fatalf("%d deliveries after the unsubscribe answer, want 1", n)
			}
			if _, stats := obCall(t, http.MethodGet, "/stats", nil); stats["outbound"].(map[string]any)["queues"].(map[string]any)["out/"+id.(string)] != nil {
				t.Fatalf("the deleted subscription's queue remains: %v", stats)
			}
			if res := obPublish(t, map[string]any{"type": fmt.Sprintf("t%d", code), "data": 3}); res["deliveries"] != float64(0) {
				t.Fatalf("a deleted subscription got %v deliveries", res["deliveries"])
			}
		})
	}
}

// A subscriber slower than timeout fails the attempt; the retry succeeds.
func TestOutboundE2ETimeout(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true,
		outbound: "timeout 200ms\nretry_schedule 50ms\npause_on_failure 0s"})
	sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			time.Sleep(time.Second)
		}
	})
	id := obCreate(t, map[string]any{"url": sub.URL})["id"]
	obPublish(t, map[string]any{"type": "t", "data": map[string]any{}})
	sub.wait(t, 2)
	obWaitFor(t, 5*time.Second, "the success to be logged", func() bool {
		return len(obAttempts(t, id, "succeeded")) == 1
	})
	failed := obAttempts(t, id, "failed")
	if len(failed) != 1 || !strings.Contains(failed[0]["error"].(string), "timed out after 200ms") {
		t.Fatalf("failed attempts %v", failed)
	}
	if ms := failed[0]["duration_ms"].(float64); ms < 150 || ms > 900 {
		t.Fatalf("the timed-out attempt took %vms", ms)
	}
}

// A 3xx is a failure and is not followed.
func TestOutboundE2ERedirectNotFollowed(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true, outbound: "retry_schedule 1h"})
	sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hook" {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}
	})
	id := obCreate(t, map[string]any{"url": sub.URL + "/hook"})["id"]
	obPublish(t, map[string]any{"type": "t", "data": map[string]any{}})
	sub.wait(t, 1)
	var failed []map[string]any
	obWaitFor(t, 5*time.Second, "the failure to be logged", func() bool {
		failed = obAttempts(t, id, "failed")
		return len(failed) == 1
	})
	if failed[0]["response_status"] != float64(307) || !strings.Contains(failed[0]["error"].(string), "not followed") {
		t.Fatalf("attempt %v", failed[0])
	}
	time.Sleep(200 * time.Millisecond)
	for _, h := range sub.got() {
		if h.path != "/hook" {
			t.Fatalf("the redirect to %s was followed", h.path)
		}
	}
	if sub := obGet(t, id); sub["status"] != "paused" {
		t.Fatalf("after a failure the subscription is %v, want paused", sub["status"])
	}
}

// The retry schedule is followed; after its last step the subscription is
// disabled and the delivery dead. Reactivated, a manual retry delivers it.
func TestOutboundE2ERetryScheduleThenDisabled(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true,
		outbound: "retry_schedule 100ms 200ms 300ms\npause_on_failure 0s\nbreaker off"})
	var healthy atomic.Bool
	sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	id := obCreate(t, map[string]any{"url": sub.URL})["id"]
	obPublish(t, map[string]any{"type": "t", "data": map[string]any{}})
	hits := sub.wait(t, 4)
	for i, want := range []time.Duration{100, 200, 300} {
		gap := hits[i+1].at.Sub(hits[i].at)
		if want *= time.Millisecond; gap < want || gap > want+time.Second {
			t.Errorf("retry %d after %s, want about %s", i+1, gap, want)
		}
	}
	var cur map[string]any
	obWaitFor(t, 5*time.Second, "the subscription to be disabled", func() bool {
		cur = obGet(t, id)
		return cur["status"] == "disabled"
	})
	if !strings.Contains(cur["status_reason"].(string), "4 failed attempts") {
		t.Fatalf("status_reason %q", cur["status_reason"])
	}
	var dead []map[string]any
	obWaitFor(t, 5*time.Second, "the dead delivery", func() bool {
		dead = obAttempts(t, id, "dead")
		return len(dead) == 1
	})
	deliveryID := dead[0]["delivery_id"].(string)
	if deliveryID != hits[0].header.Get("Webhook-Id") || dead[0]["attempt"] != float64(4) {
		t.Fatalf("dead entry %v", dead[0])
	}
	if n := len(obAttempts(t, id, "failed")); n != 3 {
		t.Fatalf("%d failed attempts logged, want 3", n)
	}
	// Retrying needs the subscription enabled first.
	if status, out := obCall(t, http.MethodPost, "/deliveries/"+deliveryID+"/retry", nil); status != http.StatusConflict {
		t.Fatalf("retry on a disabled subscription: %d %v", status, out)
	}
	healthy.Store(true)
	if status, out := obCall(t, http.MethodPatch, fmt.Sprintf("/subscriptions/%v", id), map[string]any{"active": true}); status != http.StatusOK ||
		out["status"] != "active" || out["status_reason"] != "" || out["active"] != true {
		t.Fatalf("reactivate: %d %v", status, out)
	}
	if status, out := obCall(t, http.MethodPost, "/deliveries/"+deliveryID+"/retry", nil); status != http.StatusAccepted || out["was"] != "dead" {
		t.Fatalf("retry: %d %v", status, out)
	}
	hits = sub.wait(t, 5)
	if hits[4].header.Get("Webhook-Id") != deliveryID {
		t.Fatalf("retried delivery has webhook-id %q", hits[4].header.Get("Webhook-Id"))
	}
}

// After a failure the subscription is paused; events published meanwhile
// wait and then arrive in order. The breaker pauses for its own time.
func TestOutboundE2EPauseAndBreaker(t *testing.T) {
	startOutbound(t, obSetup{dir: t.TempDir(), allowPrivate: true,
		outbound: "retry_schedule 10ms 10ms 10ms 10ms 10ms\npause_on_failure 600ms\nbreaker off\nconcurrency 1"})
	t.Run("pause", func(t *testing.T) {
		sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		id := obCreate(t, map[string]any{"url": sub.URL, "events": []string{"pause"}})["id"]
		obPublish(t, map[string]any{"type": "pause", "data": 1})
		sub.wait(t, 1)
		var cur map[string]any
		obWaitFor(t, 5*time.Second, "the pause", func() bool {
			cur = obGet(t, id)
			return cur["status"] == "paused"
		})
		until, err := time.Parse(time.RFC3339Nano, cur["status_until"].(string))
		if err != nil || time.Until(until) > 700*time.Millisecond || !strings.Contains(cur["status_reason"].(string), "503") {
			t.Fatalf("paused subscription %v", cur)
		}
		for i := 2; i <= 4; i++ {
			if res := obPublish(t, map[string]any{"type": "pause", "data": i}); res["deliveries"] != float64(1) {
				t.Fatalf("a paused subscription got %v deliveries, want 1 queued", res["deliveries"])
			}
		}
		if n := len(sub.got()); n != 1 {
			t.Fatalf("%d deliveries during the pause", n)
		}
		hits := sub.wait(t, 5)
		if hits[1].at.Before(until.Add(-20 * time.Millisecond)) {
			t.Fatalf("delivery resumed at %s, before the pause ended at %s", hits[1].at, until)
		}
		if got := incrementIDs(t, hits); !slices.Equal(got, []uint64{1, 1, 2, 3, 4}) {
			t.Fatalf("increment_ids arrived %v", got)
		}
		obWaitFor(t, 5*time.Second, "the pause to read as over", func() bool {
			cur = obGet(t, id)
			return cur["status"] == "active" && cur["status_until"] == nil
		})
	})
	t.Run("breaker", func(t *testing.T) {
		sub := newOBSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		})
		id := obCreate(t, map[string]any{"url": sub.URL, "events": []string{"breaker"}, "policy": map[string]any{
			"pause_on_failure": "0s",
			"breaker":          map[string]any{"failures": 2, "window": "1m", "pause": "1h"},
		}})["id"]
		obPublish(t, map[string]any{"type": "breaker", "data": 1})
		sub.wait(t, 3)
		var cur map[string]any
		obWaitFor(t, 5*time.Second, "the breaker", func() bool {
			cur = obGet(t, id)
			return cur["status"] == "paused"
		})
		until, _ := time.Parse(time.RFC3339Nano, cur["status_until"].(string))
		if time.Until(until) < 59*time.Minute || !strings.Contains(cur["status_reason"].(string), "more than 2 failures within 1m0s") {
			t.Fatalf("after the breaker: %v", cur)
		}
		time.Sleep(200 * time.Millisecond)
		if n := len(sub.got()); n != 3 {
			t.Fatalf("%d attempts; the breaker should stop them at 3", n)
		}
	})
}
