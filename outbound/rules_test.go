package outbound

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	pol := DefaultPolicy().Merge(Policy{RetrySchedule: []Duration{Duration(time.Minute), Duration(2 * time.Minute)}})
	xena := pol.Merge(Policy{SuccessBody: json.RawMessage(`{"Success": true}`)})
	tests := []struct {
		name        string
		pol         Policy
		res         response
		attempt     int
		wantOutcome string
		wantRetryAt time.Time
	}{
		{"200", pol, response{Status: 200}, 1, OutcomeSucceeded, time.Time{}},
		{"204", pol, response{Status: 204}, 1, OutcomeSucceeded, time.Time{}},
		{"unsubscribe text on a 200 deletes", pol, response{Status: 200, Body: []byte("OK. Please Unsubscribe Me.")}, 1, OutcomeDeleted, time.Time{}},
		{"unsubscribe text on a 500 deletes", pol, response{Status: 500, Body: []byte("PLEASE UNSUBSCRIBE ME")}, 1, OutcomeDeleted, time.Time{}},
		{"unsubscribe text on a 410 deletes before deactivating", pol, response{Status: 410, Body: []byte("please unsubscribe me")}, 1, OutcomeDeleted, time.Time{}},
		{"410 deactivates", pol, response{Status: 410}, 1, OutcomeDeactivated, time.Time{}},
		{"404 deactivates even on the last attempt", pol, response{Status: 404}, 3, OutcomeDeactivated, time.Time{}},
		{"500 fails with the first step", pol, response{Status: 500}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"500 fails with the second step", pol, response{Status: 500}, 2, OutcomeFailed, now.Add(2 * time.Minute)},
		{"500 after the last step is exhausted", pol, response{Status: 500}, 3, OutcomeExhausted, time.Time{}},
		{"302 is a failure", pol, response{Status: 302}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"timeout is a failure", pol, response{Err: errors.New("timed out after 5s")}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"2xx cut short is a failure", pol, response{Status: 200, Err: errors.New("timed out after 5s")}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"success body present", xena, response{Status: 200, Body: []byte(`{"Success": true}`)}, 1, OutcomeSucceeded, time.Time{}},
		{"success body absent", xena, response{Status: 200, Body: []byte(`ok`)}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"success body false", xena, response{Status: 200, Body: []byte(`{"Success": false}`)}, 1, OutcomeFailed, now.Add(time.Minute)},
		{"no retries at all", pol.Merge(Policy{RetrySchedule: []Duration{}}), response{Status: 500}, 1, OutcomeExhausted, time.Time{}},
		{"delete_on_body off", pol.Merge(Policy{DeleteOnBody: new(string)}), response{Status: 200, Body: []byte("please unsubscribe me")}, 1, OutcomeSucceeded, time.Time{}},
		{"no deactivation statuses", pol.Merge(Policy{DeactivateOnStatus: []int{}}), response{Status: 410}, 1, OutcomeFailed, now.Add(time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := judge(tt.pol, tt.res, tt.attempt, now)
			if v.outcome != tt.wantOutcome || !v.retryAt.Equal(tt.wantRetryAt) {
				t.Fatalf("judge = %s (retry at %s, %q), want %s (retry at %s)", v.outcome, v.retryAt, v.detail, tt.wantOutcome, tt.wantRetryAt)
			}
			if v.detail == "" {
				t.Fatal("no detail")
			}
		})
	}
}
