package main

import (
	"context"
	"fmt"
	"time"
)

// startGateway starts a Caddy with opts, failing the run when it cannot.
func startGateway(e *Env, name string, o CaddyOpts) (*Caddy, bool) {
	c, err := NewCaddy(e.Bin, e.Tmp, o)
	if err != nil {
		e.R.Fail("%s: %v", name, err)
		return nil, false
	}
	if err := c.Start(); err != nil {
		e.R.Fail("%s: start caddy: %v", name, err)
		return nil, false
	}
	return c, true
}

// checkAlive fails the run if Caddy died.
func checkAlive(e *Env, name string, c *Caddy) bool {
	if !c.Healthy() {
		e.R.Fail("%s: caddy died or stopped answering /health; log tail: %s", name, c.LogTail(1500))
		return false
	}
	return true
}

// lossFault waits for acked events to reach t and reports the count.
func lossFault(e *Env, name string, t *Tally, acked []string, drain time.Duration, detail string) {
	t0 := time.Now()
	all := t.WaitFor(acked, drain)
	t.WaitQuiet(300*time.Millisecond, 2*time.Second) // let duplicates land
	lost, dupE, dupG := t.Count(acked)
	v := vOK
	if lost > 0 || !all {
		v = vFail
		miss := t.Missing(acked, 3)
		detail += fmt.Sprintf("; still missing after %v drain, e.g. %v", drain, miss)
	} else {
		detail += fmt.Sprintf("; drained in %s", fmtDur(time.Since(t0)))
	}
	e.R.Fault(Fault{Name: name, Lost: thousands(int64(lost)), Dups: fmt.Sprintf("%d by event id / %d by gateway id", dupE, dupG), Detail: detail, Verdict: v})
}

// scenarioIngest: signed 1 KiB webhooks to a webhook_receiver (fsync) vs a
// bare respond route, same Caddy, same generator, 64 connections.
func scenarioIngest(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("ingest: %v", err)
		return
	}
	defer app.Close()
	// /in/noapp forwards to a port nobody listens on: its events queue
	// and wait, which measures the ack path without the forward's work
	noApp := fmt.Sprintf(`
	handle /in/noapp {
		webhook_receiver noapp {
			verify ms_signature %s
			forward_to http://127.0.0.1:%d/down
		}
	}`, msSecret, freePort())
	c, ok := startGateway(e, "ingest", CaddyOpts{AppURL: app.URL, ExtraReceivers: noApp})
	if !ok {
		return
	}
	defer c.Stop()
	conns := 64
	d := e.pickDur(4*time.Second, 15*time.Second)
	// warm up both routes
	RunLoad(ctx, LoadSpec{URL: c.URL("/respond"), Scheme: sigMS, Conns: conns, Duration: 500 * time.Millisecond})
	RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: conns, Duration: 500 * time.Millisecond})
	time.Sleep(500 * time.Millisecond)

	// Each receiver run is followed by the forwarding of its events: the
	// next run starts once the app has them all, so it does not share the
	// machine with that work, and the run's CPU cost includes it.
	drain := e.pickDur(30*time.Second, 120*time.Second)
	settle := func(r *LoadResult) { app.Tally.WaitFor(r.Acked, drain) }
	ref, refCost := runCosted(ctx, c, LoadSpec{URL: c.URL("/respond"), Scheme: sigMS, Conns: conns, Duration: d}, nil)
	time.Sleep(300 * time.Millisecond)
	rec, recCost := runCosted(ctx, c, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: conns, Duration: d}, settle)

	ratio := rec.OKPerSec() / ref.OKPerSec()
	e.R.Figure(Figure{
		Name:      "Ingest: signed 1 KiB webhooks/s, receiver (fsync) vs `respond`, 64 conns",
		Ratio:     fmt.Sprintf("%.0f%%", ratio*100),
		Value:     fmtRate(rec.OKPerSec()) + " (" + rec.StatusString() + ")",
		Reference: fmtRate(ref.OKPerSec()),
		Target:    "≥ 50%",
		Verdict:   verdict(ratio >= 0.5 && rec.Count5xx() == 0),
	})
	e.R.Figure(Figure{
		Name:      "Ingest: ack latency p50 / p99",
		Ratio:     fmt.Sprintf("p99 %.1f×", float64(rec.P(0.99))/float64(max(ref.P(0.99), 1))),
		Value:     fmtDur(rec.P(0.5)) + " / " + fmtDur(rec.P(0.99)),
		Reference: fmtDur(ref.P(0.5)) + " / " + fmtDur(ref.P(0.99)),
		Target:    "p99 < 20 ms",
		Verdict:   verdict(rec.P(0.99) < 20*time.Millisecond && len(rec.Lat) > 0),
	})
	// stream ingest with the standard scheme, shorter, beside respond
	// under the same signing (the generator's work differs by scheme)
	refStd := RunLoad(ctx, LoadSpec{URL: c.URL("/respond"), Scheme: sigStd, Conns: conns, Duration: d / 2})
	std := RunLoad(ctx, LoadSpec{URL: c.URL("/in/std"), Scheme: sigStd, Conns: conns, Duration: d / 2})
	e.R.Figure(besideRespond("Ingest: Standard Webhooks signed, receiver vs `respond` (both Standard-signed)",
		std, refStd, "≥ 50%", verdict(std.OKPerSec()/refStd.OKPerSec() >= 0.5)))
	settle(std)
	// the ack path alone: the same load while the app is unreachable
	alone, aloneCost := runCosted(ctx, c, LoadSpec{URL: c.URL("/in/noapp"), Scheme: sigMS, Conns: conns, Duration: d / 2}, nil)
	e.R.Figure(besideRespond("Ingest, ack path alone (app unreachable, events wait): receiver (fsync) vs `respond`",
		alone, ref, "- (shows the forward's share)", vOK))
	// On a machine the load generator and the app share with Caddy, the
	// ingest ratio is a ratio of CPU spent per request: this shows where.
	e.R.Figure(Figure{
		Name:      "Ingest: CPU per 2xx, Caddy / bench process (load generator and app), forwarding included",
		Ratio:     fmt.Sprintf("Caddy %.1f× `respond`", float64(recCost.caddy)/float64(max(refCost.caddy, 1))),
		Value:     fmtDur(recCost.caddy) + " / " + fmtDur(recCost.bench) + "; ack path alone " + fmtDur(aloneCost.caddy) + " / " + fmtDur(aloneCost.bench),
		Reference: "`respond` " + fmtDur(refCost.caddy) + " / " + fmtDur(refCost.bench),
		Target:    "- (where the ingest ratio goes)",
		Verdict:   vOK,
	})
	// Forwarding is a second HTTP exchange per event, both ends on this
	// machine. Once it alone costs as much CPU as a whole respond request,
	// the ingest ratio stays under 50% however cheap the ack path is:
	// at best respond/(respond+forward).
	fwd := max(recCost.total()-aloneCost.total(), 0)
	e.R.Figure(Figure{
		Name:      "Ingest: CPU to forward one event (Caddy and app) vs one whole `respond` request (Caddy and generator)",
		Ratio:     fmt.Sprintf("%.2f×", float64(fwd)/float64(max(refCost.total(), 1))),
		Value:     fmtDur(fwd) + " (receiver run less ack path alone)",
		Reference: fmtDur(refCost.total()),
		Target:    fmt.Sprintf("- (caps the ingest ratio at about %.0f%%)", float64(refCost.total())/float64(max(refCost.total()+fwd, 1))*100),
		Verdict:   vOK,
	})
	if rec.FirstErr != "" {
		e.R.Note("ingest: first transport error: %s", rec.FirstErr)
	}
	acked := append(append([]string{}, rec.Acked...), std.Acked...)
	lossFault(e, "Ingest run: every acked event forwarded", app.Tally, acked, drain,
		fmt.Sprintf("%s acked", thousands(int64(len(acked)))))
	checkAlive(e, "ingest", c)
}

// besideRespond is the figure of a receiver run's rate beside the respond
// route's, with the run's p99 and statuses.
func besideRespond(name string, run, ref *LoadResult, target, v string) Figure {
	return Figure{
		Name:      name,
		Ratio:     fmt.Sprintf("%.0f%%", run.OKPerSec()/ref.OKPerSec()*100),
		Value:     fmtRate(run.OKPerSec()) + fmt.Sprintf(" p99 %s (%s)", fmtDur(run.P(0.99)), run.StatusString()),
		Reference: fmtRate(ref.OKPerSec()),
		Target:    target,
		Verdict:   v,
	}
}

// scenarioAppDown: the app is down for the first half of the run; all
// events are delivered after it comes back.
func scenarioAppDown(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("appdown: %v", err)
		return
	}
	defer app.Close()
	c, ok := startGateway(e, "appdown", CaddyOpts{AppURL: app.URL, ForwardRetry: "100ms 200ms 400ms 800ms 1s"})
	if !ok {
		return
	}
	defer c.Stop()
	n := e.pick(5000, 100000)
	prefix := runID()
	app.SetDown(true)
	first := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 32, Count: n / 2, Prefix: prefix + "a", Retry: true})
	rejected := app.rejects.Load()
	app.SetDown(false)
	up := time.Now()
	second := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 32, Count: n - n/2, Prefix: prefix + "b", Retry: true})
	acked := append(append([]string{}, first.Acked...), second.Acked...)
	detail := fmt.Sprintf("%s events, %s acked; app refused %s forwards while down; first half %s, second %s",
		thousands(int64(n)), thousands(int64(len(acked))), thousands(rejected), first.StatusString(), second.StatusString())
	lossFault(e, "App down for the first half of the run", app.Tally, acked, e.pickDur(40*time.Second, 300*time.Second), detail)
	e.R.Note("appdown: all %d delivered %s after the app came back", len(acked), fmtDur(time.Since(up)))
	checkAlive(e, "appdown", c)
}
