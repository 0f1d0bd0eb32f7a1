package main

import (
	"context"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat on Linux.
const userHZ = 100

// cpuCost is the CPU time spent per 2xx answer of a load run: by Caddy, and
// by this process (the load generator and the app or subscribers).
type cpuCost struct{ caddy, bench time.Duration }

// total is the CPU both processes spent per answer.
func (c cpuCost) total() time.Duration { return c.caddy + c.bench }

// cpuMark is a reading of both processes' CPU time.
type cpuMark struct {
	caddyTicks int64
	bench      time.Duration
}

func markCPU(c *Caddy) cpuMark { return cpuMark{c.CPUTicks(), selfCPU()} }

// per returns the CPU each process used since m, divided by n answers.
func (m cpuMark) per(c *Caddy, n int) cpuCost {
	now := markCPU(c)
	d := time.Duration(max(n, 1))
	return cpuCost{
		caddy: time.Duration(now.caddyTicks-m.caddyTicks) * (time.Second / userHZ) / d,
		bench: (now.bench - m.bench) / d,
	}
}

// selfCPU is this process's user and system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runCosted runs spec and reports its CPU cost per 2xx answer, counted
// until settle (when set) returns: the app's share of a receiver run is
// only done once its events are forwarded.
func runCosted(ctx context.Context, c *Caddy, spec LoadSpec, settle func(*LoadResult)) (*LoadResult, cpuCost) {
	m := markCPU(c)
	res := RunLoad(ctx, spec)
	if settle != nil {
		settle(res)
	}
	return res, m.per(c, len(res.Lat))
}
