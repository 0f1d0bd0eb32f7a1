package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// background runs f in a goroutine and returns a function that waits for it.
func background(f func()) (wait func()) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); f() }()
	return wg.Wait
}

// scenarioSigkill: SIGKILL Caddy every few seconds under inbound and
// outbound load, restart on the same storage_dir, drain, count.
func scenarioSigkill(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("sigkill: %v", err)
		return
	}
	defer app.Close()
	sub, err := StartSubscriber()
	if err != nil {
		e.R.Fail("sigkill: %v", err)
		return
	}
	defer sub.Close()
	c, ok := startGateway(e, "sigkill", CaddyOpts{AppURL: app.URL, ForwardRetry: "100ms 200ms 500ms 1s",
		Outbound: "\t\t\tretry_schedule 200ms 500ms 1s 1s 1s 1s 1s 1s 1s 1s 1s\n\t\t\tpause_on_failure 100ms\n\t\t\tbreaker 100000 1m 1s"})
	if !ok {
		return
	}
	defer c.Stop()
	api := NewAPI(c, 8)
	if _, err := api.CreateSub(ctx, sub.URL+"/ok/k", nil); err != nil {
		e.R.Fail("sigkill: create subscription: %v", err)
		return
	}
	kills := e.pick(3, 10)
	every := e.pickDur(2500*time.Millisecond, 4*time.Second)
	lctx, stop := context.WithCancel(ctx)
	prefix := runID()
	var in *LoadResult
	var outIDs []string
	waitIn := background(func() {
		in = RunLoad(lctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 16, Prefix: prefix + "i", Retry: true})
	})
	waitOut := background(func() {
		outIDs, _, _ = publishMany(lctx, api, prefix+"o", 0, 4, true)
	})
	var restarts []time.Duration
	for k := 0; k < kills && ctx.Err() == nil; k++ {
		time.Sleep(every)
		c.Kill()
		t0 := time.Now()
		if err := c.Start(); err != nil {
			e.R.Fail("sigkill: restart %d: %v", k+1, err)
			break
		}
		restarts = append(restarts, time.Since(t0))
	}
	time.Sleep(time.Second)
	stop()
	waitIn()
	waitOut()
	if !c.Alive() {
		e.R.Fail("sigkill: caddy not running after the kills")
		return
	}
	detail := fmt.Sprintf("%d × SIGKILL every %v; inbound %s acked (%s), outbound %s published (202); restarts took %v",
		kills, every, thousands(int64(len(in.Acked))), in.StatusString(), thousands(int64(len(outIDs))), restarts)
	drain := e.pickDur(30*time.Second, 120*time.Second)
	lossFault(e, "SIGKILL under load: inbound", app.Tally, in.Acked, drain, detail)
	lossFault(e, "SIGKILL under load: outbound", sub.Tally, expand([]string{"/ok/k"}, outIDs), drain, fmt.Sprintf("%s events", thousands(int64(len(outIDs)))))
	checkAlive(e, "sigkill", c)
}

// scenarioReload: POST the config to /load every second during load: no
// 5xx from the receiver, nothing lost.
func scenarioReload(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("reload: %v", err)
		return
	}
	defer app.Close()
	c, ok := startGateway(e, "reload", CaddyOpts{AppURL: app.URL, ForwardRetry: "100ms 200ms 500ms 1s"})
	if !ok {
		return
	}
	defer c.Stop()
	cfg, err := c.AdaptedJSON()
	if err != nil {
		e.R.Fail("reload: %v", err)
		return
	}
	d := e.pickDur(5*time.Second, 20*time.Second)
	var res *LoadResult
	wait := background(func() {
		res = RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 16, Duration: d})
	})
	reloads, reloadErrs := 0, 0
	var firstReloadErr error
	deadline := time.Now().Add(d - 500*time.Millisecond)
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		if err := c.Reload(ctx, cfg); err != nil {
			reloadErrs++
			if firstReloadErr == nil {
				firstReloadErr = err
			}
		} else {
			reloads++
		}
	}
	wait()
	fivexx := res.Count5xx()
	detail := fmt.Sprintf("%d reloads (%d failed) in %v; %s acked; statuses %s", reloads, reloadErrs, d, thousands(int64(len(res.Acked))), res.StatusString())
	if firstReloadErr != nil {
		detail += fmt.Sprintf("; reload error: %v", firstReloadErr)
	}
	if res.FirstErr != "" {
		detail += "; first transport error: " + res.FirstErr
	}
	if fivexx > 0 || reloadErrs > 0 {
		e.R.Fail("reload: %d 5xx answers from the receiver, %d failed reloads", fivexx, reloadErrs)
	}
	lossFault(e, "Reload every second under load", app.Tally, res.Acked, e.pickDur(20*time.Second, 60*time.Second), detail)
	checkAlive(e, "reload", c)
}
