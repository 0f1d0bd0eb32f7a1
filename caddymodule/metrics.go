package caddymodule

import (
	"errors"
	"strings"

	"sync/atomic"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hookgate/hookgate/outbound"
	"github.com/hookgate/hookgate/receiver"
	"github.com/hookgate/hookgate/store"
)

// registerMetrics registers hookgate's collectors into the registry of this
// config load. Collectors are created once per process and registered into
// each new registry, as Caddy's own modules do. The gauges read at scrape
// time from the store and the subscriptions of the config that runs: they
// are pointed at this config's in Start (pointMetrics), not here, since a
// config can be provisioned and then fail to load, leaving the running one
// in place.
func registerMetrics(ctx caddy.Context) {
	reg := ctx.GetMetricsRegistry()
	registerOutboundMetrics(reg)
	registerReceiverMetrics(reg)
	registerOnce(reg, depthCollector)
}

// pointMetrics points the scrape-time gauges at the running config's store
// and subscriptions.
func pointMetrics(st store.Store, subscriptions func() map[string]int) {
	depthCollector.store.Store(&storeRef{st})
	initOutboundCollectors()
	outboundCollectors.subs.count.Store(&subscriptions)
}

// registerOnce registers collectors, tolerating ones already registered by
// another handler of the same config.
func registerOnce(reg *prometheus.Registry, cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				panic(err)
			}
		}
	}
}

type storeRef struct{ store.Store }

// depthGauges reports the queued jobs per receiver and in total per
// direction, read from the store at scrape time (the store keeps the counts
// in memory, so a scrape costs no disk reads). Subscriptions are summed
// rather than labelled, to keep the series count independent of how many
// subscriptions exist.
type depthGauges struct {
	store    atomic.Pointer[storeRef]
	receiver *prometheus.Desc
	total    *prometheus.Desc
}

var depthCollector = &depthGauges{
	receiver: prometheus.NewDesc("caddy_webhooks_receiver_queue_depth",
		"Inbound events stored and not yet delivered to the app, by receiver.", []string{"receiver"}, nil),
	total: prometheus.NewDesc("caddy_webhooks_queue_depth",
		"Jobs waiting for delivery, by direction (inbound or outbound).", []string{"direction"}, nil),
}

func (q *depthGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.receiver
	ch <- q.total
}

func (q *depthGauges) Collect(ch chan<- prometheus.Metric) {
	ref := q.store.Load()
	if ref == nil {
		return
	}
	for _, dir := range []struct{ prefix, name string }{
		{receiver.QueuePrefix, "inbound"},
		{outbound.QueuePrefix, "outbound"},
	} {
		queues, err := ref.Queues(dir.prefix)
		if err != nil {
			continue // a closed store has nothing to report
		}
		total := 0
		for _, name := range queues {
			n, err := ref.Depth(name)
			if err != nil {
				continue
			}
			total += n
			if dir.prefix == receiver.QueuePrefix {
				ch <- prometheus.MustNewConstMetric(q.receiver, prometheus.GaugeValue, float64(n),
					strings.TrimPrefix(name, receiver.QueuePrefix))
			}
		}
		ch <- prometheus.MustNewConstMetric(q.total, prometheus.GaugeValue, float64(total), dir.name)
	}
}
