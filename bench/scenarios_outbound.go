package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// publishMany publishes n events with par concurrent publishers and returns
// the ids that got a 202, the first publish time and the first error.
func publishMany(ctx context.Context, api *API, prefix string, n, par int, retry bool) (acked []string, start time.Time, firstErr error) {
	var (
		next atomic.Int64
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs atomic.Value
	)
	start = time.Now()
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []string
			for ctx.Err() == nil {
				i := next.Add(1)
				if n > 0 && i > int64(n) {
					break
				}
				id := prefix + "-" + strconv.FormatInt(i, 10)
				for ctx.Err() == nil {
					_, _, err := api.Publish(ctx, "bench.created", id, 800)
					if err == nil {
						mine = append(mine, id)
						break
					}
					if ctx.Err() == nil {
						errs.CompareAndSwap(nil, err)
					}
					if !retry {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			mu.Lock()
			acked = append(acked, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if v := errs.Load(); v != nil {
		firstErr = v.(error)
	}
	return
}

// expand returns "<path>|<id>" keys for every path and id.
func expand(paths []string, ids []string) []string {
	out := make([]string, 0, len(paths)*len(ids))
	for _, p := range paths {
		for _, id := range ids {
			out = append(out, p+"|"+id)
		}
	}
	return out
}

// directRate posts n standard-shaped bodies straight to url with par
// workers (the reference for the dispatcher).
func directRate(ctx context.Context, url string, n, par int) float64 {
	tr := newTransport(par)
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && next.Add(1) <= int64(n) {
				id := "ref-" + strconv.FormatInt(next.Load(), 10)
				body := []byte(`{"type":"bench.created","timestamp":"2026-01-01T00:00:00Z","increment_id":1,"data":{"eid":"` + id + `","pad":"` + string(bytes.Repeat([]byte("y"), 800)) + `"}}`)
				req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				h, _ := stdSigner.Sign(id, time.Now(), body)
				for k, v := range h {
					req.Header[k] = v
				}
				resp, err := cl.Do(req)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// waitDeliveries waits until every key reached the subscriber and returns
// the time from start to the last delivery.
func waitDeliveries(t *Tally, keys []string, start time.Time, limit time.Duration) (time.Duration, bool) {
	ok := t.WaitFor(keys, limit)
	return time.Unix(0, t.last.Load()).Sub(start), ok
}

// scenarioOutbound: deliveries/s to 1 and to 100 subscriptions vs a direct
// POST loop, and the time to fan one event out to 1,000 subscriptions.
func scenarioOutbound(ctx context.Context, e *Env) {
	sub, err := StartSubscriber()
	if err != nil {
		e.R.Fail("outbound: %v", err)
		return
	}
	defer sub.Close()
	app, _ := StartApp()
	defer app.Close()
	c, ok := startGateway(e, "outbound", CaddyOpts{AppURL: app.URL})
	if !ok {
		return
	}
	api := NewAPI(c, 64)
	prefix := runID()

	// reference: direct POST loop, concurrency 8 (the dispatcher's default per subscription)
	nRef := e.pick(5000, 30000)
	ref := directRate(ctx, sub.URL+"/ok/ref", nRef, 8)

	// 1 subscription
	if _, err := api.CreateSub(ctx, sub.URL+"/ok/one", nil); err != nil {
		e.R.Fail("outbound: create subscription: %v", err)
		c.Stop()
		return
	}
	n1 := e.pick(4000, 30000)
	ids, start, perr := publishMany(ctx, api, prefix+"o", n1, 32, false)
	el, all := waitDeliveries(sub.Tally, expand([]string{"/ok/one"}, ids), start, e.pickDur(30*time.Second, 120*time.Second))
	rate1 := float64(len(ids)) / el.Seconds()
	det := ""
	if !all || perr != nil {
		det = fmt.Sprintf(" (incomplete: %d published, publish error %v)", len(ids), perr)
	}
	e.R.Figure(Figure{
		Name:      "Outbound: deliveries/s, POST /events → 1 subscription (publish to last delivery)",
		Ratio:     fmt.Sprintf("%.0f%%", rate1/ref*100),
		Value:     fmtRate(rate1) + det,
		Reference: fmtRate(ref) + " direct POST loop, 8 workers",
		Target:    "≥ 3,000/s",
		Verdict:   verdict(all && rate1 >= 3000),
	})
	lossFault(e, "Outbound 1 subscription: every 202 delivered", sub.Tally, expand([]string{"/ok/one"}, ids), 5*time.Second,
		fmt.Sprintf("%d events", len(ids)))

	// 100 subscriptions
	var paths []string
	for i := 0; i < 100; i++ {
		paths = append(paths, "/ok/h"+strconv.Itoa(i))
	}
	if _, err := api.CreateSubs(ctx, 100, 16, func(i int) string { return sub.URL + paths[i] }, nil); err != nil {
		e.R.Fail("outbound: create 100 subscriptions: %v", err)
		c.Stop()
		return
	}
	// the /ok/one subscription also receives these: count it in
	paths100 := append([]string{"/ok/one"}, paths...)
	n100 := e.pick(100, 500)
	ids, start, perr = publishMany(ctx, api, prefix+"h", n100, 8, false)
	keys := expand(paths100, ids)
	el, all = waitDeliveries(sub.Tally, keys, start, e.pickDur(40*time.Second, 300*time.Second))
	rate100 := float64(len(keys)) / el.Seconds()
	det = ""
	if !all || perr != nil {
		det = fmt.Sprintf(" (incomplete, publish error %v)", perr)
	}
	e.R.Figure(Figure{
		Name:      fmt.Sprintf("Outbound: deliveries/s, %d events → 101 subscriptions", len(ids)),
		Ratio:     fmt.Sprintf("%.0f%%", rate100/ref*100),
		Value:     fmtRate(rate100) + det,
		Reference: fmtRate(ref) + " direct POST loop, 8 workers",
		Target:    "≥ 3,000/s",
		Verdict:   verdict(all && rate100 >= 3000),
	})
	lossFault(e, "Outbound 101 subscriptions: every 202 delivered to each", sub.Tally, keys, 5*time.Second,
		fmt.Sprintf("%s deliveries", thousands(int64(len(keys)))))
	checkAlive(e, "outbound", c)
	c.Stop()

	// fan-out to 1,000 subscriptions, fresh gateway
	c, ok = startGateway(e, "fanout", CaddyOpts{AppURL: app.URL})
	if !ok {
		return
	}
	defer c.Stop()
	api = NewAPI(c, 32)
	var fpaths []string
	for i := 0; i < 1000; i++ {
		fpaths = append(fpaths, "/ok/f"+strconv.Itoa(i))
	}
	t0 := time.Now()
	if _, err := api.CreateSubs(ctx, 1000, 32, func(i int) string { return sub.URL + fpaths[i] }, nil); err != nil {
		e.R.Fail("fanout: create 1,000 subscriptions: %v", err)
		return
	}
	e.R.Note("fan-out: created 1,000 subscriptions in %s", fmtDur(time.Since(t0)))
	var times []time.Duration
	for r := 0; r < 3; r++ {
		id := fmt.Sprintf("%sf-%d", prefix, r)
		start := time.Now()
		_, n, err := api.Publish(ctx, "bench.fanout", id, 800)
		if err != nil {
			e.R.Fail("fanout: publish: %v", err)
			return
		}
		if n != 1000 {
			e.R.Note("fan-out: POST /events reported %d deliveries, expected 1,000", n)
		}
		el, all := waitDeliveries(sub.Tally, expand(fpaths, []string{id}), start, 30*time.Second)
		if !all {
			e.R.Figure(Figure{Name: "Outbound: fan-out of one event to 1,000 subscriptions", Value: "incomplete after 30 s", Target: "< 1 s", Verdict: vMiss})
			lossFault(e, "Fan-out 1,000", sub.Tally, expand(fpaths, []string{id}), time.Second, "")
			return
		}
		times = append(times, el)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	med := times[len(times)/2]
	e.R.Figure(Figure{
		Name:      "Outbound: fan-out of one event to 1,000 subscriptions (publish → all received), median of 3",
		Ratio:     fmt.Sprintf("%.0f deliveries/s", 1000/med.Seconds()),
		Value:     fmtDur(med) + fmt.Sprintf(" (min %s, max %s)", fmtDur(times[0]), fmtDur(times[len(times)-1])),
		Reference: fmt.Sprintf("%s for 1,000 direct POSTs at %s", fmtDur(time.Duration(float64(time.Second)*1000/ref)), fmtRate(ref)),
		Target:    "< 1 s",
		Verdict:   verdict(med < time.Second),
	})
	checkAlive(e, "fanout", c)
}
