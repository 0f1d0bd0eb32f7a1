package outbound

import (
	"fmt"
	"sort"
	"sync/atomic"
	"time"
)

// counters are the outbound totals since the process started.
type counters struct {
	published   atomic.Int64
	duplicates  atomic.Int64
	enqueued    atomic.Int64
	succeeded   atomic.Int64
	failed      atomic.Int64
	deactivated atomic.Int64
	exhausted   atomic.Int64
	deleted     atomic.Int64
}

// count adds one attempt with the given outcome.
func (c *counters) count(outcome string) {
	switch outcome {
	case OutcomeSucceeded:
		c.succeeded.Add(1)
	case OutcomeFailed:
		c.failed.Add(1)
	case OutcomeDeactivated:
		c.deactivated.Add(1)
	case OutcomeExhausted:
		c.exhausted.Add(1)
	case OutcomeDeleted:
		c.deleted.Add(1)
	}
}

// Stats is the outbound part of GET /stats.
type Stats struct {
	// Queues maps each subscription queue that holds deliveries to the
	// number queued (dead letters not counted).
	Queues map[string]int `json:"queues"`
	// Published counts events published since the process started, and
	// Duplicates those whose id had been published already.
	Published  int64 `json:"published"`
	Duplicates int64 `json:"duplicates"`
	// Enqueued counts deliveries fanned out since the process started.
	Enqueued int64 `json:"enqueued"`
	// Attempts counts delivery attempts since the process started, by
	// outcome.
	Attempts map[string]int64 `json:"attempts"`
	// Subscriptions counts subscriptions by status.
	Subscriptions map[string]int `json:"subscriptions"`
}

// Stats reports queue depths, attempt counts by outcome and subscriptions
// by status.
func (d *Dispatcher) Stats() (Stats, error) {
	queues, err := d.cfg.Store.Queues(QueuePrefix)
	if err != nil {
		return Stats{}, fmt.Errorf("listing queues: %w", err)
	}
	sort.Strings(queues)
	depths := make(map[string]int, len(queues))
	for _, q := range queues {
		n, err := d.cfg.Store.Depth(q)
		if err != nil {
			return Stats{}, fmt.Errorf("queue %s: %w", q, err)
		}
		depths[q] = n
	}
	c := &d.reg.stats
	return Stats{
		Queues:     depths,
		Published:  c.published.Load(),
		Duplicates: c.duplicates.Load(),
		Enqueued:   c.enqueued.Load(),
		Attempts: map[string]int64{
			OutcomeSucceeded:   c.succeeded.Load(),
			OutcomeFailed:      c.failed.Load(),
			OutcomeDeactivated: c.deactivated.Load(),
			OutcomeExhausted:   c.exhausted.Load(),
			OutcomeDeleted:     c.deleted.Load(),
		},
		Subscriptions: d.reg.statusCounts(time.Now()),
	}, nil
}
