package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// settleRSS waits a moment and returns the RSS.
func settleRSS(c *Caddy, d time.Duration) int64 {
	time.Sleep(d)
	return c.RSS()
}

// peakRSS samples c's RSS every interval until the returned function is
// called, which returns the highest sample.
func peakRSS(c *Caddy, interval time.Duration) func() int64 {
	stop := make(chan struct{})
	result := make(chan int64, 1)
	go func() {
		var peak int64
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			peak = max(peak, c.RSS())
			select {
			case <-stop:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-result }
}

// scenarioMemory: RSS idle, with N queued inbound events (app down), the
// restart time with them queued, RSS after they drain; idle CPU with
// outbound deliveries waiting on retry timers.
func scenarioMemory(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("memory: %v", err)
		return
	}
	defer app.Close()
	// the reference: the same binary serving only respond routes, whose
	// RSS is mostly the executable's own mapped pages
	bare, ok := startGateway(e, "memory (bare)", CaddyOpts{Plain: true})
	if !ok {
		return
	}
	bareIdle := settleRSS(bare, 2*time.Second)
	bare.Stop()
	c, ok := startGateway(e, "memory", CaddyOpts{AppURL: app.URL, ForwardRetry: "1s 2s 5s"})
	if !ok {
		return
	}
	defer c.Stop()
	idle := settleRSS(c, 2*time.Second)
	e.R.Figure(Figure{Name: "Memory: RSS of the idle gateway, empty store", Ratio: fmt.Sprintf("+%s over bare Caddy", fmtMB(idle-bareIdle)),
		Value: fmtMB(idle), Reference: fmtMB(bareIdle) + " bare Caddy, same binary, respond only", Target: "< 60 MB", Verdict: verdict(idle > 0 && idle < 60<<20)})

	// fill in stages (short: 30,000; full: 100,000 then 1,000,000)
	stages := []int{30000}
	if e.Full {
		stages = []int{100000, 1000000}
	}
	app.SetDown(true)
	res := &LoadResult{Statuses: map[int]int64{}}
	prefix := runID()
	var fill time.Duration
	for si, n := range stages {
		t0 := time.Now()
		stopPeak := peakRSS(c, 200*time.Millisecond)
		r := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 32, Count: n - len(res.Acked), Prefix: fmt.Sprintf("%s-%d", prefix, si), Retry: true})
		fill += time.Since(t0)
		peak := stopPeak()
		res.Acked = append(res.Acked, r.Acked...)
		for k, v := range r.Statuses {
			res.Statuses[k] += v
		}
		if len(res.Acked) < n {
			e.R.Note("memory: only %d of %d events acked (%s)", len(res.Acked), n, res.StatusString())
		}
		queued := settleRSS(c, 2*time.Second)
		target := int64(150 << 20)
		if n >= 1000000 {
			target = 250 << 20
		}
		e.R.Figure(Figure{
			Name:      fmt.Sprintf("Memory: RSS with %s queued 1 KiB inbound events (app down)", thousands(int64(len(res.Acked)))),
			Ratio:     fmt.Sprintf("%.1f× idle", float64(queued)/float64(max(idle, 1))),
			Value:     fmtMB(queued),
			Reference: fmtMB(idle) + " idle; queued in " + fmtDur(fill) + fmt.Sprintf(" (%s); peak while filling %s", fmtRate(float64(len(res.Acked))/fill.Seconds()), fmtMB(peak)),
			Target:    "< " + fmtMB(target) + map[bool]string{true: "", false: " (target is for 100k)"}[n >= 100000],
			Verdict:   verdict(queued > 0 && queued < target),
		})
	}
	target := int64(150 << 20)
	if e.Full {
		target = 250 << 20
	}

	// restart with them queued: from process start until the receiver
	// answers and the first delivery arrives (the app is up)
	c.Stop()
	app.SetDown(false)
	before := app.Tally.Total()
	t0 := time.Now()
	if err := c.Start(); err != nil {
		e.R.Fail("memory: restart: %v", err)
		return
	}
	probe := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 1, Count: 1, Retry: true})
	answered := time.Since(t0)
	for app.Tally.Total() == before && time.Since(t0) < 60*time.Second {
		time.Sleep(2 * time.Millisecond)
	}
	firstDelivery := time.Since(t0)
	e.R.Figure(Figure{
		Name:      fmt.Sprintf("Restart with %s queued: start → receiver answers / → first delivery", thousands(int64(len(res.Acked)))),
		Ratio:     "-",
		Value:     fmtDur(answered) + " / " + fmtDur(firstDelivery),
		Reference: "-",
		Target:    "< 5 s",
		Verdict:   verdict(firstDelivery < 5*time.Second && len(probe.Acked) == 1),
	})
	acked := append(append([]string{}, res.Acked...), probe.Acked...)
	t0 = time.Now()
	lossFault(e, fmt.Sprintf("Memory run: %s queued events drained after restart", thousands(int64(len(acked)))), app.Tally, acked,
		e.pickDur(90*time.Second, 900*time.Second), "")
	drainT := time.Since(t0)
	drained := settleRSS(c, 2*time.Second)
	e.R.Figure(Figure{
		Name:      "Memory: RSS after the queue drained",
		Ratio:     fmt.Sprintf("%.1f× idle", float64(drained)/float64(max(idle, 1))),
		Value:     fmtMB(drained),
		Reference: fmtMB(idle) + fmt.Sprintf(" idle; drained at %s", fmtRate(float64(len(acked))/drainT.Seconds())),
		Target:    "< " + fmtMB(target),
		Verdict:   verdict(drained > 0 && drained < target),
	})
	checkAlive(e, "memory", c)
}

// scenarioIdleCPU measures the gateway's CPU and RSS with outbound
// deliveries waiting on retry timers: 1,000 subscriptions answering 500, a
// long retry step.
func scenarioIdleCPU(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("idlecpu: %v", err)
		return
	}
	defer app.Close()
	sub, err := StartSubscriber()
	if err != nil {
		e.R.Fail("idlecpu: %v", err)
		return
	}
	defer sub.Close()
	c, ok := startGateway(e, "idlecpu", CaddyOpts{AppURL: app.URL,
		Outbound: "\t\t\tretry_schedule 1h 2h\n\t\t\tpause_on_failure 1ms\n\t\t\tbreaker 100000 1m 1s\n\t\t\ttimeout 5s"})
	if !ok {
		return
	}
	defer c.Stop()
	api := NewAPI(c, 32)
	nsubs := 1000
	if _, err := api.CreateSubs(ctx, nsubs, 32, func(i int) string { return sub.URL + "/500/" + strconv.Itoa(i) }, nil); err != nil {
		e.R.Fail("idlecpu: create subscriptions: %v", err)
		return
	}
	want := e.pick(20000, 100000)
	events := want / nsubs
	t0 := time.Now()
	ids, _, perr := publishMany(ctx, api, runID()+"c", events, 8, false)
	if perr != nil {
		e.R.Note("idlecpu: publish error: %v", perr)
	}
	total := int64(len(ids) * nsubs)
	// wait until the attempts stop: each subscription's failed deliveries
	// wait on a retry timer and the rest queue behind them
	limit := e.pickDur(30*time.Second, 120*time.Second)
	lastN, lastChange := int64(-1), time.Now()
	for time.Since(t0) < limit && ctx.Err() == nil {
		n := sub.total.Load()
		if n != lastN {
			lastN, lastChange = n, time.Now()
		} else if n > 0 && time.Since(lastChange) > 2*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	attempted := sub.total.Load()
	fillT := time.Since(t0)
	time.Sleep(2 * time.Second)
	// The window starts 2 s after the last attempt, so it includes what
	// the store's quiet steps cost: the first (5 s after its last write)
	// in both modes, the second (30 s) in full mode.
	win := e.pickDur(10*time.Second, 30*time.Second)
	c0 := c.CPUTicks()
	h0 := sub.total.Load()
	time.Sleep(win)
	c1 := c.CPUTicks()
	h1 := sub.total.Load()
	cpu := float64(c1-c0) / userHZ / win.Seconds() * 100
	rss := c.RSS()
	e.R.Figure(Figure{
		Name:      fmt.Sprintf("Idle CPU with %s outbound deliveries queued, %s of them on retry timers (1,000 subs answering 500, retry step 1h)", thousands(total), thousands(attempted)),
		Ratio:     fmt.Sprintf("%.2f%% of one core", cpu),
		Value:     fmt.Sprintf("%d ticks in %v; RSS %s; %d attempts during the window", c1-c0, win, fmtMB(rss), h1-h0),
		Reference: fmt.Sprintf("%s first attempts, settled after %s", thousands(attempted), fmtDur(fillT)),
		Target:    "< 2%; RSS < 150 MB",
		Verdict:   verdict(cpu < 2 && c1 >= c0 && c0 >= 0 && rss > 0 && rss < 150<<20),
	})
	checkAlive(e, "idlecpu", c)
}
