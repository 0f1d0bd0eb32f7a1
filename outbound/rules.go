package outbound

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hookgate/hookgate/jsonpointer"
)

// verdict is what the delivery rules make of one attempt.
type verdict struct {
	outcome string // one of the Outcome constants
	// detail says why, for the attempt log and status_reason; it never
	// contains the URL, a header or a secret.
	detail string
	// retryAt is when to try again, for OutcomeFailed.
	retryAt time.Time
}

// judge applies the delivery rules, in order, to one attempt's response:
//
//  1. the body contains delete_on_body (case-insensitive), whatever the
//     status: the subscription is deleted;
//  2. a complete 2xx response (carrying success_body, if set): success;
//  3. the status is in deactivate_on_status: the subscription is disabled;
//  4. otherwise a failure, retried after the next retry_schedule step; when
//     no step is left the delivery is dead (and the subscription disabled).
//
// attempt counts the attempts since the delivery was created or last
// retried by hand, this one included.
func judge(pol Policy, res response, attempt int, now time.Time) verdict {
	if text := pol.deleteOnBody(); text != "" && res.Status != 0 &&
		strings.Contains(strings.ToLower(string(res.Body)), strings.ToLower(text)) {
		return verdict{outcome: OutcomeDeleted, detail: fmt.Sprintf("HTTP %d: the response asked to unsubscribe", res.Status)}
	}
	detail := describe(res)
	if res.Err == nil && res.Status >= 200 && res.Status <= 299 {
		if want := pol.successBodyWanted(); want != nil && !carries(res.Body, want) {
			detail = fmt.Sprintf("HTTP %d without the expected success body", res.Status)
		} else {
			return verdict{outcome: OutcomeSucceeded, detail: detail}
		}
	} else if res.Status != 0 && slices.Contains(pol.DeactivateOnStatus, res.Status) {
		return verdict{outcome: OutcomeDeactivated, detail: detail}
	}
	step := attempt - 1
	if step < 0 || step >= len(pol.RetrySchedule) {
		return verdict{outcome: OutcomeExhausted, detail: detail}
	}
	return verdict{outcome: OutcomeFailed, detail: detail, retryAt: now.Add(time.Duration(pol.RetrySchedule[step]))}
}

// describe summarizes a response: its status, or the error that stopped it.
func describe(res response) string {
	switch {
	case res.Err != nil && res.Status != 0:
		return fmt.Sprintf("HTTP %d, then %v", res.Status, res.Err)
	case res.Err != nil:
		return res.Err.Error()
	case res.Status >= 300 && res.Status <= 399:
		return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", res.Status, http.StatusText(res.Status))) + " (redirects are not followed)"
	}
	return strings.TrimSpace(fmt.Sprintf("HTTP %d %s", res.Status, http.StatusText(res.Status)))
}

// carries reports whether a response body is JSON that carries want.
func carries(body []byte, want []byte) bool {
	w, err := jsonpointer.Decode(want)
	if err != nil {
		return false
	}
	g, err := jsonpointer.Decode(body)
	if err != nil {
		return false
	}
	return jsonContains(g, w)
}
