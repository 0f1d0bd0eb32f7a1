// Package caddymodule is the only hookgate package that imports Caddy: the
// `webhooks` app, the webhook_receiver and webhook_api handlers, their
// Caddyfile syntax and their metrics.
package caddymodule

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/outbound"
	"github.com/hookgate/hookgate/receiver"
)

func init() {
	caddy.RegisterModule(new(App))
}

// Durability settings of the store.
const (
	DurabilityFsync   = "fsync"
	DurabilityProcess = "process"
)

// App is the `webhooks` app. It owns the durable store and the background
// workers that forward inbound events to the app and deliver outbound events
// to subscribers. Handlers find it through the Caddy context; without a
// `webhooks` global option it runs with its defaults.
type App struct {
	// StorageDir is the Badger directory. Default: Caddy's data directory
	// plus /webhooks.
	StorageDir string `json:"storage_dir,omitempty"`
	// Durability is "fsync" (default: an acknowledged event survives power
	// loss) or "process" (it survives a crash of Caddy, not of the OS).
	Durability string `json:"durability,omitempty"`
	// DedupeTTL is how long delivery ids are remembered. Default 72h.
	DedupeTTL caddy.Duration `json:"dedupe_ttl,omitempty"`
	// AllowPrivateTargets lets subscriptions point at loopback, private and
	// link-local addresses, which are refused by default to prevent SSRF.
	AllowPrivateTargets bool `json:"allow_private_targets,omitempty"`
	// Outbound holds the delivery policy defaults of every subscription.
	Outbound *outbound.Policy `json:"outbound,omitempty"`

	ctx        caddy.Context
	logger     *zap.Logger
	storeKey   string
	store      *badgerstore.Store
	inbound    *delivery.Engine
	outbound   *delivery.Engine
	dispatcher *outbound.Dispatcher

	// subscriptionCounts is the dispatcher's count of subscriptions by
	// status, for the metrics gauge.
	subscriptionCounts func() map[string]int

	mu        sync.RWMutex
	receivers map[string]receiverEntry
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "webhooks",
		New: func() caddy.Module { return new(App) },
	}
}

// Provision opens (or shares, across a reload) the store and builds the
// workers; they start in Start.
func (a *App) Provision(ctx caddy.Context) error {
	a.ctx = ctx
	a.logger = ctx.Logger()
	a.receivers = make(map[string]receiverEntry)
	if a.StorageDir == "" {
		a.StorageDir = filepath.Join(caddy.AppDataDir(), "webhooks")
	}
	if a.Durability == "" {
		a.Durability = DurabilityFsync
	}
	if a.DedupeTTL == 0 {
		a.DedupeTTL = caddy.Duration(72 * time.Hour)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	st, key, err := openStore(a.StorageDir, a.Durability, a.logger)
	if err != nil {
		return err
	}
	a.store, a.storeKey = st, key
	registerMetrics(ctx)

	policy := outbound.DefaultPolicy()
	if a.Outbound != nil {
		policy = policy.Merge(*a.Outbound)
	}
	a.outbound = &delivery.Engine{Store: st, Prefix: outbound.QueuePrefix, Logger: a.logger.Named("outbound")}
	a.dispatcher, err = outbound.New(outbound.Config{
		Store:               st,
		Policy:              policy,
		AllowPrivateTargets: a.AllowPrivateTargets,
		DedupeTTL:           time.Duration(a.DedupeTTL),
		Logger:              a.logger.Named("outbound"),
		Metrics:             outboundMetrics{app: a},
		Kick:                a.outbound.Kick,
		Resume:              a.outbound.Resume,
	})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	a.outbound.Resolve = a.dispatcher.Target

	a.inbound = &delivery.Engine{Store: st, Prefix: receiver.QueuePrefix, Logger: a.logger.Named("inbound"), Resolve: a.receiverTarget}
	return nil
}

// Validate checks the settings.
func (a *App) Validate() error {
	switch a.Durability {
	case DurabilityFsync, DurabilityProcess, "":
	default:
		return fmt.Errorf("webhooks: durability must be %q or %q, not %q", DurabilityFsync, DurabilityProcess, a.Durability)
	}
	if a.DedupeTTL < 0 {
		return fmt.Errorf("webhooks: dedupe_ttl must not be negative")
	}
	return nil
}

// Start starts the workers over every queue that holds jobs.
func (a *App) Start() error {
	pointMetrics(a.store, a.subscriptionCounts)
	if err := a.inbound.Start(); err != nil {
		return fmt.Errorf("webhooks: starting inbound workers: %w", err)
	}
	if err := a.outbound.Start(); err != nil {
		a.inbound.Stop()
		return fmt.Errorf("webhooks: starting outbound workers: %w", err)
	}
	a.warnStranded()
	return nil
}

// warnStranded logs the acknowledged events that wait in the store for a
// receiver this config no longer has (renamed or removed by a reload):
// nothing forwards them until a receiver of that name comes back.
func (a *App) warnStranded() {
	stranded, err := a.strandedReceivers()
	if err != nil {
		a.logger.Error("listing the stored events of receivers", zap.Error(err))
		return
	}
	for name, n := range stranded {
		a.logger.Warn("acknowledged events wait for a receiver this config does not have; "+
			"configure a webhook_receiver of that name to forward them",
			zap.String("receiver", name), zap.Int("events", n))
	}
}

// strandedReceivers counts the queued events of each receiver name that has
// events in the store but no receiver in this config.
func (a *App) strandedReceivers() (map[string]int, error) {
	queues, err := a.store.Queues(receiver.QueuePrefix)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, q := range queues {
		name := receiver.NameOf(q)
		if _, ok := a.receiver(name); ok {
			continue
		}
		if n, err := a.store.Depth(q); err == nil && n > 0 {
			out[name] = n
		}
	}
	return out, nil
}

// Stop stops the workers; attempts in flight finish or are released.
func (a *App) Stop() error {
	a.inbound.Stop()
	a.outbound.Stop()
	return nil
}

// Cleanup releases this config's use of the store; the last user closes it.
func (a *App) Cleanup() error {
	if a.storeKey == "" {
		return nil
	}
	return closeStore(a.storeKey)
}

// receiverEntry is a registered receiver and the JSON of the handler that
// built it.
type receiverEntry struct {
	r      *receiver.Receiver
	config []byte
}

// receiverFor returns the receiver named name, building and registering it
// when the config has none yet. Names are unique within a config, since
// each names a queue and an API path; but the Caddyfile adapter copies a
// site's routes into each server the site listens on (http:// and https://
// of one host), so a handler with the very same settings shares the
// receiver built first.
func (a *App) receiverFor(name string, config []byte, build func() (*receiver.Receiver, error)) (*receiver.Receiver, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if e, dup := a.receivers[name]; dup {
		if !bytes.Equal(e.config, config) {
			return nil, fmt.Errorf("webhook_receiver: name %q is used twice with different settings; give each receiver its own name", name)
		}
		return e.r, nil
	}
	r, err := build()
	if err != nil {
		return nil, err
	}
	a.receivers[name] = receiverEntry{r: r, config: config}
	return r, nil
}

// receiver returns a registered receiver by name.
func (a *App) receiver(name string) (*receiver.Receiver, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	e, ok := a.receivers[name]
	r := e.r
	return r, ok
}

func (a *App) receiverTarget(queue string) (delivery.Target, bool) {
	r, ok := a.receiver(receiver.NameOf(queue))
	if !ok {
		return delivery.Target{}, false
	}
	return r.Target(), true
}

// Interface guards
var (
	_ caddy.App          = (*App)(nil)
	_ caddy.Provisioner  = (*App)(nil)
	_ caddy.Validator    = (*App)(nil)
	_ caddy.CleanerUpper = (*App)(nil)
)
