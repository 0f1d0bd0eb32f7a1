package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// The retry schedule is followed step by step; after the last step the
// delivery is dead and the subscription disabled. The attempt log says so,
// newest first, and a manual retry after reactivation delivers it.
func TestRetryScheduleThenDeadThenManualRetry(t *testing.T) {
	env := newTestEnv(t, Policy{
		RetrySchedule:  []Duration{Duration(100 * time.Millisecond), Duration(200 * time.Millisecond)},
		PauseOnFailure: dur(0),
		Breaker:        &Breaker{},
	})
	var healthy atomic.Bool
	var times []time.Time
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		times = append(times, time.Now())
		if !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "order:created", Data: json.RawMessage(`{}`)})
	got := sub.wait(t, 3)
	if gap := times[1].Sub(times[0]); gap < 100*time.Millisecond || gap > 1100*time.Millisecond {
		t.Errorf("first retry after %s, want about 100ms", gap)
	}
	if gap := times[2].Sub(times[1]); gap < 200*time.Millisecond || gap > 1200*time.Millisecond {
		t.Errorf("second retry after %s, want about 200ms", gap)
	}
	id := got[0].header.Get("webhook-id")
	eventually(t, "the subscription to be disabled", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusDisabled
	})
	cur, _ := env.d.Get(s.ID)
	if cur.Active || !strings.Contains(cur.StatusReason, "3 failed attempts") {
		t.Fatalf("disabled subscription %+v", cur)
	}
	eventually(t, "the delivery to be dead", func() bool {
		_, err := env.st.DeadJob(queueOf(s.ID), id)
		return err == nil
	})
	log, _, err := env.d.Attempts(s.ID, "", "", 50)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, a := range log {
		statuses = append(statuses, a.Status)
	}
	if strings.Join(statuses, ",") != "dead,failed,failed" {
		t.Fatalf("log statuses (newest first) %v", statuses)
	}
	if log[0].ResponseStatus != 503 || log[0].Attempt != 3 || log[0].Outcome != OutcomeExhausted {
		t.Fatalf("last attempt %+v", log[0])
	}
	dead, _, _ := env.d.Attempts(s.ID, DeliveryDead, "", 50)
	if len(dead) != 1 || dead[0].DeliveryID != id {
		t.Fatalf("dead filter: %+v", dead)
	}

	// A dead delivery of a disabled subscription cannot be retried yet.
	var ce *ConflictError
	if _, err := env.d.Retry(context.Background(), id); !errors.As(err, &ce) {
		t.Fatalf("Retry on a disabled subscription = %v, want a conflict", err)
	}
	healthy.Store(true)
	on := true
	if _, err := env.d.Update(context.Background(), s.ID, SubscriptionPatch{Active: &on}); err != nil {
		t.Fatal(err)
	}
	res, err := env.d.Retry(context.Background(), id)
	if err != nil || res.Was != DeliveryDead {
		t.Fatalf("Retry = %+v, %v", res, err)
	}
	got = sub.wait(t, 4)
	if got[3].header.Get("webhook-id") != id {
		t.Fatalf("retried delivery has webhook-id %q, want %q", got[3].header.Get("webhook-id"), id)
	}
	eventually(t, "the retried delivery to be logged", func() bool {
		ok, _, _ := env.d.Attempts(s.ID, DeliverySucceeded, "", 50)
		return len(ok) == 1
	})
	if _, err := env.d.Retry(context.Background(), id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of a delivered delivery = %v, want not found", err)
	}
}

// A failed delivery waiting for its retry goes at once when retried by hand.
func TestManualRetryOfFailed(t *testing.T) {
	env := newTestEnv(t, Policy{RetrySchedule: []Duration{Duration(time.Hour)}, PauseOnFailure: dur(time.Hour)})
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "t", Data: json.RawMessage(`{}`)})
	first := sub.wait(t, 1)
	id := first[0].header.Get("webhook-id")
	eventually(t, "the pause", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusPaused && cur.StatusUntil != nil
	})
	pending, _, _ := env.d.Attempts(s.ID, DeliveryPending, "", 10)
	if len(pending) != 1 || pending[0].Attempt != 2 || pending[0].IncrementID != 1 || pending[0].ScheduledAt == nil {
		t.Fatalf("pending entries %+v", pending)
	}
	res, err := env.d.Retry(context.Background(), id)
	if err != nil || res.Was != DeliveryFailed {
		t.Fatalf("Retry = %+v, %v", res, err)
	}
	sub.wait(t, 2)
	cur, _ := env.d.Get(s.ID)
	if cur.Status != StatusActive {
		t.Fatalf("status %s after a manual retry", cur.Status)
	}
	if _, err := env.d.Retry(context.Background(), "dlv_nope_nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of an unknown delivery = %v", err)
	}
}

// Events published while a subscription is paused wait and are delivered
// after the pause, in order.
func TestPauseQueuesInOrder(t *testing.T) {
	env := newTestEnv(t, Policy{
		RetrySchedule:  []Duration{Duration(10 * time.Millisecond)},
		PauseOnFailure: dur(400 * time.Millisecond),
		Concurrency:    intp(1),
	})
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "t", Data: json.RawMessage(`{"n":1}`)})
	sub.wait(t, 1)
	eventually(t, "the pause", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusPaused
	})
	pausedAt := time.Now()
	for n := 2; n <= 4; n++ {
		env.publish(t, Event{Type: "t", Data: json.RawMessage(`{"n":` + string(rune('0'+n)) + `}`)})
	}
	got := sub.wait(t, 5)
	if time.Since(pausedAt) < 250*time.Millisecond {
		t.Fatalf("deliveries resumed %s after the pause began", time.Since(pausedAt))
	}
	var order []uint64
	for _, r := range got {
		order = append(order, standardOf(t, r.body).IncrementID)
	}
	want := []uint64{1, 1, 2, 3, 4}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("increment_ids arrived %v, want %v", order, want)
		}
	}
	eventually(t, "the pause to read as over", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusActive && cur.StatusUntil == nil
	})
}

// More than N failures within the window pause the subscription for the
// breaker's time.
func TestBreakerPauses(t *testing.T) {
	env := newTestEnv(t, Policy{
		RetrySchedule:  []Duration{0, 0, 0, 0, 0, 0},
		PauseOnFailure: dur(0),
		Breaker:        &Breaker{Failures: 2, Window: Duration(time.Minute), Pause: Duration(time.Hour)},
		Concurrency:    intp(1),
	})
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "t", Data: json.RawMessage(`{}`)})
	sub.wait(t, 3)
	eventually(t, "the breaker", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusPaused
	})
	time.Sleep(200 * time.Millisecond)
	if n := sub.count(); n != 3 {
		t.Fatalf("%d attempts, want the breaker to stop at 3", n)
	}
	cur, _ := env.d.Get(s.ID)
	if cur.StatusUntil == nil || time.Until(*cur.StatusUntil) < 59*time.Minute || !strings.Contains(cur.StatusReason, "more than 2 failures") {
		t.Fatalf("after the breaker: %+v", cur)
	}
}

// A deactivation status disables at once; the delivery stays queued and
// goes after reactivation. Events published while disabled are not queued.
func TestDeactivationKeepsQueuedDeliveries(t *testing.T) {
	env := newTestEnv(t, Policy{Concurrency: intp(1)})
	var gone atomic.Bool
	gone.Store(true)
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if gone.Load() {
			w.WriteHeader(http.StatusGone)
		}
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "t", Data: json.RawMessage(`{}`)})
	sub.wait(t, 1)
	eventually(t, "the deactivation", func() bool {
		cur, _ := env.d.Get(s.ID)
		return cur.Status == StatusDisabled
	})
	cur, _ := env.d.Get(s.ID)
	if !strings.Contains(cur.StatusReason, "410") {
		t.Fatalf("status_reason %q does not name the status", cur.StatusReason)
	}
	if res := env.publish(t, Event{Type: "t", Data: json.RawMessage(`{}`)}); res.Deliveries != 0 {
		t.Fatalf("a disabled subscription got %d deliveries", res.Deliveries)
	}
	gone.Store(false)
	on := true
	if _, err := env.d.Update(context.Background(), s.ID, SubscriptionPatch{Active: &on}); err != nil {
		t.Fatal(err)
	}
	got := sub.wait(t, 2)
	if standardOf(t, got[1].body).IncrementID != 1 {
		t.Fatalf("after reactivation got increment_id %d, want the kept delivery 1", standardOf(t, got[1].body).IncrementID)
	}
}

// The unsubscribe text deletes the subscription and drops its queue.
func TestUnsubscribeBodyDeletes(t *testing.T) {
	env := newTestEnv(t, Policy{Concurrency: intp(1)})
	sub := newSubscriber(t, func(n int, w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("Thanks. PLEASE UNSUBSCRIBE ME."))
	})
	s := env.create(t, SubscriptionInput{URL: sub.URL})
	env.publish(t, Event{Type: "t", Data: json.RawMessage(`{}`)})
	sub.wait(t, 1)
	eventually(t, "the deletion", func() bool {
		_, err := env.d.Get(s.ID)
		return errors.Is(err, store.ErrNotFound)
	})
	if n, _ := env.st.Depth(queueOf(s.ID)); n != 0 {
		t.Fatalf("%d deliveries left in the queue", n)
	}
}
