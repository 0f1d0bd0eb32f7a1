// Command bench builds the hookgate Caddy, starts it with its helpers (an
// app, subscribers, a signed-webhook load generator) and proves speed and
// zero loss: figures beside references measured in the same run, and fault
// scenarios that count lost and duplicated events.
//
//	go run ./bench [-mode short|full] [-out file.md] [-only name,name]
//
// Short mode (CI) finishes in about two minutes and exits non-zero if an
// event is lost, a bad-input row gets the wrong status, or Caddy dies.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// Env is what every scenario gets.
type Env struct {
	Bin  string
	Tmp  string
	Full bool
	R    *Report
}

// pick returns short or full by mode.
func (e *Env) pick(short, full int) int {
	if e.Full {
		return full
	}
	return short
}

func (e *Env) pickDur(short, full time.Duration) time.Duration {
	if e.Full {
		return full
	}
	return short
}

var benchStart = time.Now()

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%6.1fs] %s\n", time.Since(benchStart).Seconds(), fmt.Sprintf(format, args...))
}

type scenario struct {
	name    string
	noCaddy bool          // runs without the Caddy binary
	limit   time.Duration // per mode: short limit; full gets 10x
	run     func(ctx context.Context, e *Env)
}

func scenarios() []scenario {
	return []scenario{
		{"ingest", false, 40 * time.Second, scenarioIngest},
		{"appdown", false, 60 * time.Second, scenarioAppDown},
		{"enqueue", true, 30 * time.Second, scenarioEnqueue},
		{"outbound", false, 60 * time.Second, scenarioOutbound},
		{"sigkill", false, 90 * time.Second, scenarioSigkill},
		{"reload", false, 60 * time.Second, scenarioReload},
		{"memory", false, 120 * time.Second, scenarioMemory},
		{"idlecpu", false, 60 * time.Second, scenarioIdleCPU},
		{"subscribers", false, 60 * time.Second, scenarioSubscribers},
		{"diskfull", false, 60 * time.Second, scenarioDiskFull},
		{"badinput", false, 60 * time.Second, scenarioBadInput},
	}
}

func main() {
	mode := flag.String("mode", "short", "short (CI, about 2 minutes) or full")
	out := flag.String("out", "", "also write the markdown report to this file")
	only := flag.String("only", "", "comma-separated scenarios to run (default all): ingest,appdown,enqueue,outbound,sigkill,reload,memory,idlecpu,subscribers,diskfull,badinput")
	keep := flag.Bool("keep", false, "keep the temp dir (Caddy logs, stores)")
	flag.Parse()
	if *mode != "short" && *mode != "full" {
		fmt.Fprintln(os.Stderr, "-mode must be short or full")
		os.Exit(2)
	}
	debug.SetGCPercent(400)

	tmp, err := os.MkdirTemp("", "hookgate-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r := &Report{Mode: *mode, Start: time.Now()}
	e := &Env{Tmp: tmp, Full: *mode == "full", R: r}

	logf("building ./cmd/caddy into %s", tmp)
	e.Bin, err = buildCaddy(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		r.Fail("build: %v", err)
	}
	if err == nil {
		logf("built in %.1fs", time.Since(benchStart).Seconds())
	}

	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	for _, s := range scenarios() {
		if len(want) > 0 && !want[s.name] {
			continue
		}
		if e.Bin == "" && !s.noCaddy {
			r.Fault(Fault{Name: s.name, Lost: "-", Dups: "-", Detail: "not run: the Caddy build failed", Verdict: vSkip})
			continue
		}
		limit := s.limit
		if e.Full {
			limit *= 10
		}
		runScenario(e, s, limit)
	}
	finish(r, *out, tmp, *keep)
}

func runScenario(e *Env, s scenario, limit time.Duration) {
	logf("=== %s", s.name)
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				e.R.Fail("%s: panic: %v\n%s", s.name, p, debug.Stack())
			}
		}()
		s.run(ctx, e)
	}()
	select {
	case <-done:
	case <-time.After(limit + 30*time.Second):
		e.R.Fail("%s: did not finish within %v", s.name, limit+30*time.Second)
	}
	logf("=== %s done in %.1fs", s.name, time.Since(t0).Seconds())
}

func finish(r *Report, out, tmp string, keep bool) {
	var b bytes.Buffer
	r.Markdown(&b)
	os.Stdout.Write(b.Bytes())
	if out != "" {
		if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if keep {
		logf("kept %s", tmp)
	} else {
		os.RemoveAll(tmp)
	}
	if len(r.Failures) > 0 {
		os.Exit(1)
	}
}
