package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// scenarioSubscribers: a hanging, a 500, a 410 and an "unsubscribe me"
// subscriber beside a healthy one: the healthy one's delivery rate stays
// within about 20% of its rate alone.
func scenarioSubscribers(ctx context.Context, e *Env) {
	sub, err := StartSubscriber()
	if err != nil {
		e.R.Fail("subscribers: %v", err)
		return
	}
	defer sub.Close()
	app, _ := StartApp()
	defer app.Close()
	outbound := "\t\t\ttimeout 2s\n\t\t\tretry_schedule 1s 2s 5s\n\t\t\tpause_on_failure 1s"
	// Runs of a few seconds swung the ratio by ±10% on a shared machine;
	// longer runs, and a reference measured before and after the mixed
	// run, keep drift out of it.
	n := e.pick(2000, 60000)
	prefix := runID()

	run := func(label string, bad bool) (float64, map[string]string, bool) {
		c, ok := startGateway(e, "subscribers-"+label, CaddyOpts{AppURL: app.URL, Outbound: outbound})
		if !ok {
			return 0, nil, false
		}
		defer c.Stop()
		api := NewAPI(c, 16)
		healthy := "/ok/" + label
		if _, err := api.CreateSub(ctx, sub.URL+healthy, nil); err != nil {
			e.R.Fail("subscribers: %v", err)
			return 0, nil, false
		}
		others := map[string]string{}
		if bad {
			for _, p := range []string{"/hang/x", "/500/x", "/410/x", "/unsub/x"} {
				id, err := api.CreateSub(ctx, sub.URL+p, nil)
				if err != nil {
					e.R.Fail("subscribers: %v", err)
					return 0, nil, false
				}
				others[p] = id
			}
		}
		ids, start, perr := publishMany(ctx, api, prefix+label, n, 16, false)
		if perr != nil {
			e.R.Note("subscribers %s: publish error %v", label, perr)
		}
		keys := expand([]string{healthy}, ids)
		el, all := waitDeliveries(sub.Tally, keys, start, 60*time.Second)
		rate := float64(len(ids)) / el.Seconds()
		lossFault(e, "Bad subscribers beside a healthy one ("+label+"): healthy gets every event", sub.Tally, keys, time.Second,
			fmt.Sprintf("%d events", len(ids)))
		states := map[string]string{}
		for p, id := range others {
			var s struct {
				Status       string `json:"status"`
				StatusReason string `json:"status_reason"`
			}
			st, b, _ := api.Do(ctx, "GET", "/subscriptions/"+id, nil, nil)
			_ = json.Unmarshal(b, &s)
			states[p] = fmt.Sprintf("HTTP %d %s %s, %d hits", st, s.Status, s.StatusReason, sub.Hits(p))
		}
		checkAlive(e, "subscribers", c)
		return rate, states, all
	}
	before, _, ok1 := run("alone", false)
	mixed, states, ok2 := run("mixed", true)
	after, _, ok3 := run("alone-after", false)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	alone := (before + after) / 2
	ratio := mixed / alone
	e.R.Figure(Figure{
		Name:      "Healthy subscriber's deliveries/s beside hang + 500 + 410 + \"please unsubscribe me\" vs alone",
		Ratio:     fmt.Sprintf("%.0f%%", ratio*100),
		Value:     fmtRate(mixed),
		Reference: fmtRate(alone) + " alone (mean of " + fmtRate(before) + " before and " + fmtRate(after) + " after)",
		Target:    "≥ 80%",
		Verdict:   verdict(ratio >= 0.8),
	})
	// the contract's rules for the bad ones
	expect := map[string]func(string) bool{
		"/410/x":   func(s string) bool { return contains(s, "disabled") },
		"/unsub/x": func(s string) bool { return contains(s, "HTTP 404") },
		"/500/x":   func(s string) bool { return contains(s, "paused") || contains(s, "active") },
		"/hang/x":  func(s string) bool { return contains(s, "paused") || contains(s, "active") },
	}
	for _, p := range []string{"/hang/x", "/500/x", "/410/x", "/unsub/x"} {
		v := vOK
		if !expect[p](states[p]) {
			v = vMiss
		}
		e.R.Fault(Fault{Name: "Subscription state after the run: " + p, Lost: "-", Dups: "-", Detail: states[p], Verdict: v})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (indexOf(s, sub) >= 0))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
