package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

// Fan-out matches events patterns, entity_id and filter; disabled
// subscriptions get nothing, paused ones get a queued delivery.
func TestPublishMatching(t *testing.T) {
	env := newTestEnv(t, Policy{})
	url := "https://example.com/hook"
	off := false
	subs := map[string]Subscription{
		"all":       env.create(t, SubscriptionInput{URL: url}),
		"orders":    env.create(t, SubscriptionInput{URL: url, Events: []string{"order:*"}}),
		"articles":  env.create(t, SubscriptionInput{URL: url, Events: []string{"Article.*"}}),
		"article7":  env.create(t, SubscriptionInput{URL: url, Events: []string{"Article.*"}, EntityID: "7"}),
		"green":     env.create(t, SubscriptionInput{URL: url, Filter: map[string]json.RawMessage{"/Warehouse": json.RawMessage(`"GreenWarehouse"`)}}),
		"disabled":  env.create(t, SubscriptionInput{URL: url, Active: &off}),
		"two-rules": env.create(t, SubscriptionInput{URL: url, Events: []string{"order:created", "order:paid"}}),
	}
	// Pause every enabled subscription so nothing is attempted while we
	// look: paused subscriptions still get their deliveries queued.
	for name, s := range subs {
		if name == "disabled" {
			continue
		}
		env.pauseForAnHour(t, s.ID)
	}
	tests := []struct {
		ev   Event
		want []string
	}{
		{Event{Type: "order:created", Data: json.RawMessage(`{}`)}, []string{"all", "orders", "two-rules"}},
		{Event{Type: "order:shipped", Data: json.RawMessage(`{}`)}, []string{"all", "orders"}},
		{Event{Type: "Article.Updated", EntityID: "7", Data: json.RawMessage(`{}`)}, []string{"all", "articles", "article7"}},
		{Event{Type: "Article.Updated", EntityID: "8", Data: json.RawMessage(`{}`)}, []string{"all", "articles"}},
		{Event{Type: "BalanceChanged", Data: json.RawMessage(`{"Warehouse":"GreenWarehouse"}`)}, []string{"all", "green"}},
		{Event{Type: "BalanceChanged", Data: json.RawMessage(`{"Warehouse":"BlueWarehouse"}`)}, []string{"all"}},
	}
	for i, tt := range tests {
		before := depths(t, env, subs)
		res := env.publish(t, tt.ev)
		if res.Deliveries != len(tt.want) {
			t.Errorf("event %d (%s): %d deliveries, want %d", i, tt.ev.Type, res.Deliveries, len(tt.want))
		}
		after := depths(t, env, subs)
		for name := range subs {
			wantOne := false
			for _, w := range tt.want {
				wantOne = wantOne || w == name
			}
			if got := after[name] - before[name]; (got == 1) != wantOne || got > 1 {
				t.Errorf("event %d (%s): subscription %q got %d deliveries", i, tt.ev.Type, name, got)
			}
		}
	}
}

func depths(t *testing.T, env *testEnv, subs map[string]Subscription) map[string]int {
	t.Helper()
	out := make(map[string]int)
	for name, s := range subs {
		n, err := env.st.Depth(queueOf(s.ID))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

// A repeated event id is not fanned out twice, and increment_id counts
// 1, 2, 3… without a gap per subscription.
func TestPublishIdempotentAndGapless(t *testing.T) {
	env := newTestEnv(t, Policy{Concurrency: intp(1)})
	sub := newSubscriber(t, nil)
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	for i := 1; i <= 5; i++ {
		res := env.publish(t, Event{ID: fmt.Sprintf("evt-%d", i), Type: "order:created", Data: json.RawMessage(`{"n":` + strconv.Itoa(i) + `}`)})
		if res.Deliveries != 1 || res.Duplicate {
			t.Fatalf("publish %d: %+v", i, res)
		}
	}
	dup := env.publish(t, Event{ID: "evt-3", Type: "order:created", Data: json.RawMessage(`{"n":3}`)})
	if !dup.Duplicate || dup.Deliveries != 0 || dup.ID != "evt-3" {
		t.Fatalf("repeated id: %+v", dup)
	}
	got := sub.wait(t, 5)
	time.Sleep(100 * time.Millisecond)
	if n := sub.count(); n != 5 {
		t.Fatalf("%d deliveries, want 5", n)
	}
	for i, r := range got {
		body := standardOf(t, r.body)
		if body.IncrementID != uint64(i+1) {
			t.Fatalf("delivery %d has increment_id %d", i+1, body.IncrementID)
		}
		if r.header.Get(HeaderIncrementID) != strconv.Itoa(i+1) {
			t.Fatalf("delivery %d has %s %q", i+1, HeaderIncrementID, r.header.Get(HeaderIncrementID))
		}
	}
	cur, err := env.d.Get(s.ID)
	if err != nil || cur.IncrementID != 5 {
		t.Fatalf("subscription increment_id %d, %v", cur.IncrementID, err)
	}
}

func TestPublishRejectsInvalid(t *testing.T) {
	env := newTestEnv(t, Policy{})
	env.create(t, SubscriptionInput{URL: "https://example.com/hook"})
	tests := []struct {
		name string
		ev   Event
	}{
		{"no type", Event{Data: json.RawMessage(`{}`)}},
		{"no data", Event{Type: "order:created"}},
		{"control character in type", Event{Type: "order:\ncreated", Data: json.RawMessage(`{}`)}},
		{"long id", Event{ID: string(make([]byte, 300)), Type: "t", Data: json.RawMessage(`{}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.d.Publish(context.Background(), tt.ev)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Publish = %v, want a ValidationError", err)
			}
		})
	}
	queues, _ := env.st.Queues(QueuePrefix)
	if len(queues) != 0 {
		t.Fatalf("queues %v after rejected publishes", queues)
	}
}

// A standard delivery verifies with the Standard Webhooks verifier, and
// webhook-id stays the same across retries.
func TestDeliverySignatureStableAcrossRetries(t *testing.T) {
	env := newTestEnv(t, Policy{RetrySchedule: []Duration{Duration(50 * time.Millisecond)}, PauseOnFailure: dur(0)})
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "order:created", Data: json.RawMessage(`{"id":1}`)})
	got := sub.wait(t, 2)
	v, err := signing.NewVerifier(signing.Config{Scheme: "standard", Secrets: []string{s.Secret}})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got {
		if err := v.Verify(r.header, nil, r.body, time.Now()); err != nil {
			t.Fatalf("attempt %d does not verify: %v", i+1, err)
		}
	}
	if a, b := got[0].header.Get("webhook-id"), got[1].header.Get("webhook-id"); a == "" || a != b {
		t.Fatalf("webhook-id %q then %q", a, b)
	}
}

// A fan-out too large for one store write is refused with a TooLargeError
// and nothing is queued or claimed. With shared data, what bounds a fan-out
// is the number of subscriptions, not the data's size.
func TestPublishFanOutTooLarge(t *testing.T) {
	env := newTestEnv(t, Policy{})
	long := strings.Repeat("t", maxTypeLength)
	for range 1500 {
		env.create(t, SubscriptionInput{URL: "https://example.com/hook", Events: []string{long}})
	}
	_, err := env.d.Publish(context.Background(), Event{ID: strings.Repeat("i", maxEventIDLength), Type: long, Data: json.RawMessage(`{}`)})
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("fan-out to 1,500: %v, want a TooLargeError", err)
	}
	if claimed, _ := env.st.Claimed(eventScope, strings.Repeat("i", maxEventIDLength)); claimed {
		t.Fatal("the refused event's id was claimed")
	}
	if n, _ := env.st.Queues(QueuePrefix); len(n) != 0 {
		t.Fatalf("a refused event queued deliveries in %d queues", len(n))
	}
}

// Large data fanned out to several subscriptions is stored once: each job
// names the shared copy, each subscriber gets the whole data, and the copy
// is deleted with the last delivery. 3 × 700 KB did not fit one write when
// each job carried its own copy.
func TestPublishSharesLargeData(t *testing.T) {
	env := newTestEnv(t, Policy{})
	data := json.RawMessage(`"` + strings.Repeat("x", 700*1000) + `"`)
	var subs []*subscriber
	var ids []string
	for range 3 {
		sub := newSubscriber(t, nil)
		subs = append(subs, sub)
		s := env.create(t, SubscriptionInput{URL: sub.URL, Events: []string{"big"}, Format: FormatRaw})
		ids = append(ids, s.ID)
		// held until the jobs have been looked at
		env.pauseForAnHour(t, s.ID)
	}
	res, err := env.d.Publish(context.Background(), Event{Type: "big", Data: data})
	if err != nil || res.Deliveries != 3 {
		t.Fatalf("publish: %+v, %v", res, err)
	}
	blob := ""
	for _, id := range ids {
		jobs, err := env.st.Lease(queueOf(id), time.Now(), 1)
		if err != nil || len(jobs) != 1 {
			t.Fatalf("lease %s: %v, %v", id, jobs, err)
		}
		j := jobs[0]
		env.st.Release(j)
		if j.Blob == "" || (blob != "" && j.Blob != blob) || len(j.Payload) > 1024 {
			t.Fatalf("job %s: blob %q, %d-byte payload; want one shared blob and a small payload", j.ID, j.Blob, len(j.Payload))
		}
		blob = j.Blob
	}
	if v, err := env.st.Blob(blob); err != nil || !bytes.Equal(v, data) {
		t.Fatalf("shared data: %d bytes, %v", len(v), err)
	}
	on := true
	for _, id := range ids {
		if _, err := env.d.Update(context.Background(), id, SubscriptionPatch{Active: &on}); err != nil {
			t.Fatal(err)
		}
	}
	for i, sub := range subs {
		got := sub.wait(t, 1)
		if !bytes.Equal(got[0].body, data) {
			t.Fatalf("subscriber %d got %d bytes, want the %d of the data", i, len(got[0].body), len(data))
		}
	}
	eventually(t, "the shared data deleted with the last delivery", func() bool {
		_, err := env.st.Blob(blob)
		return errors.Is(err, store.ErrNotFound)
	})
}

// A delivery sharing its event's data fails, is retried, dies and is
// retried by hand: every attempt carries the whole data, the dead letter
// keeps it out of its payload, and the data goes with the last delivery.
func TestPublishSharedDataThroughRetryDeathAndManualRetry(t *testing.T) {
	env := newTestEnv(t, Policy{
		RetrySchedule:  []Duration{Duration(50 * time.Millisecond)},
		PauseOnFailure: dur(0),
		Breaker:        &Breaker{},
	})
	data := json.RawMessage(`"` + strings.Repeat("y", 30000) + `"`)
	var healthy atomic.Bool
	bad := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	good := newSubscriber(t, nil)
	sb := env.create(t, SubscriptionInput{URL: bad.URL, Format: FormatRaw})
	env.create(t, SubscriptionInput{URL: good.URL, Format: FormatRaw})
	env.create(t, SubscriptionInput{URL: good.URL, Format: FormatRaw})
	env.publish(t, Event{Type: "x", Data: data})
	got := bad.wait(t, 2)
	for i, g := range got {
		if !bytes.Equal(g.body, data) {
			t.Fatalf("attempt %d carried %d bytes, want %d", i+1, len(g.body), len(data))
		}
	}
	good.wait(t, 2)
	id := got[0].header.Get("webhook-id")
	var dead *store.Job
	eventually(t, "the failing delivery dead", func() bool {
		var err error
		dead, err = env.st.DeadJob(queueOf(sb.ID), id)
		return err == nil
	})
	if dead.Blob == "" || len(dead.Payload) > 1024 {
		t.Fatalf("dead letter: blob %q, %d-byte payload; want the shared data named, not carried", dead.Blob, len(dead.Payload))
	}
	if v, err := env.st.Blob(dead.Blob); err != nil || !bytes.Equal(v, data) {
		t.Fatalf("shared data while a dead letter names it: %d bytes, %v", len(v), err)
	}
	healthy.Store(true)
	on := true
	if _, err := env.d.Update(context.Background(), sb.ID, SubscriptionPatch{Active: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.d.Retry(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if got = bad.wait(t, 3); !bytes.Equal(got[2].body, data) {
		t.Fatalf("manual retry carried %d bytes", len(got[2].body))
	}
	eventually(t, "the shared data deleted", func() bool {
		_, err := env.st.Blob(dead.Blob)
		return errors.Is(err, store.ErrNotFound)
	})
}

// Shared data that went missing (damage: the store keeps it while a job
// names it) dead-letters the delivery instead of holding the subscription.
func TestPublishSharedDataMissing(t *testing.T) {
	env := newTestEnv(t, Policy{})
	sub := newSubscriber(t, nil)
	s := env.create(t, SubscriptionInput{URL: sub.URL, Format: FormatRaw})
	env.create(t, SubscriptionInput{URL: sub.URL, Format: FormatRaw})
	env.pauseForAnHour(t, s.ID)
	env.publish(t, Event{Type: "x", Data: json.RawMessage(`"` + strings.Repeat("z", 40000) + `"`)})
	sub.wait(t, 1) // the other subscription's delivery
	jobs, err := env.st.Lease(queueOf(s.ID), time.Now(), 1)
	if err != nil || len(jobs) != 1 || jobs[0].Blob == "" {
		t.Fatalf("lease: %+v, %v", jobs, err)
	}
	env.st.Release(jobs...)
	// badgerstore's key of a blob: tag 'b', NUL, the blob's key
	blobKey := append([]byte{'b', 0}, jobs[0].Blob...)
	if err := env.st.DB().Update(func(txn *badger.Txn) error { return txn.Delete(blobKey) }); err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := env.d.Update(context.Background(), s.ID, SubscriptionPatch{Active: &on}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delivery dead-lettered", func() bool {
		_, err := env.st.DeadJob(queueOf(s.ID), jobs[0].ID)
		return err == nil
	})
	if n := sub.count(); n != 1 {
		t.Fatalf("%d requests arrived, want only the other subscription's", n)
	}
}

// What one subscription adds to a publish's single write once the data is
// shared: this, not the data's size, bounds a fan-out (maxFanOutBytes).
// `go test ./outbound -run FanOutBytesPerSubscription -v` prints it.
func TestFanOutBytesPerSubscription(t *testing.T) {
	env := newTestEnv(t, Policy{})
	const subs = 200
	for range subs {
		env.create(t, SubscriptionInput{URL: "https://example.com/hook", Events: []string{"order.created"}})
	}
	data := json.RawMessage(`"` + strings.Repeat("d", 10000) + `"`)
	jobs, logs, blobs, err := env.d.fanOut(&Event{ID: "evt_" + store.NewID(), Type: "order.created", Data: data}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != subs || len(blobs) != 1 {
		t.Fatalf("%d jobs, %d blobs; want %d jobs sharing one blob", len(jobs), len(blobs), subs)
	}
	per := (fanOutSize(jobs, logs, blobs) - fanOutSize(nil, nil, blobs)) / subs
	t.Logf("%d bytes of job and log entry per subscription: at most %d subscriptions per publish", per, maxFanOutBytes/per)
	if per > 1024 {
		t.Fatalf("%d bytes per subscription with shared data, want under 1 KiB", per)
	}
}
