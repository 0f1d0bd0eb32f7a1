// Package receiver implements hookgate's inbound side: verify a provider's
// webhook, drop duplicates, store it durably, acknowledge at once, and
// forward it to the app with retries. It does not import Caddy.
package receiver

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/delivery"
	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

// QueuePrefix starts the name of every receiver's queue.
const QueuePrefix = "in/"

// Defaults of the settings a receiver leaves out.
const (
	DefaultName               = "default"
	DefaultDedupeTTL          = 72 * time.Hour
	DefaultForwardMaxAge      = 7 * 24 * time.Hour
	DefaultForwardConcurrency = 16
	// DefaultForwardTimeout bounds one attempt to forward an event to the
	// app, from dialling to the end of the response headers.
	DefaultForwardTimeout = 30 * time.Second
	DefaultAckStatus      = http.StatusOK
	DefaultAckBody        = `{"Success": true}`
	DefaultAckTimeout     = 4 * time.Second
	// DefaultMaxBody is 1 MiB.
	DefaultMaxBody = 1 << 20
	// MaxBodyLimit is the largest max_body: a stored event must fit in one
	// of the store's 64 MiB value-log files with room to spare, or every
	// such request would get a 503 its retries can never cure.
	MaxBodyLimit = 32 << 20
)

// DefaultForwardRetry is the default wait before each retry: 1s doubling to
// 5m; the last step repeats until forward_max_age.
var DefaultForwardRetry = []time.Duration{
	1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
	16 * time.Second, 32 * time.Second, 64 * time.Second, 128 * time.Second,
	256 * time.Second, 5 * time.Minute,
}

// validName is what a receiver may be called: it names a queue and an API
// path, so it is kept to URL-safe characters.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// NameOf returns the receiver name of a queue name.
func NameOf(queue string) string { return strings.TrimPrefix(queue, QueuePrefix) }

// Config is one webhook_receiver, with secrets already expanded and
// verifiers built.
type Config struct {
	// Name identifies the receiver in queues, metrics, logs and the API.
	// Default "default".
	Name string
	// Verifiers are the verify lines; a request must pass one of them.
	Verifiers []signing.Verifier
	// Dedupe says how to find an event's dedupe key; its zero value uses
	// the default of the scheme that verified the request.
	Dedupe Dedupe
	// DedupeTTL is how long keys are remembered when Dedupe.TTL is zero;
	// the app's dedupe_ttl. Default 72h.
	DedupeTTL time.Duration
	// Sequence, when set, is the JSON pointer of a provider's sequence
	// number (such as /increment_id); missing numbers are recorded as gaps.
	Sequence string
	// ForwardTo is the app's URL (required).
	ForwardTo string
	// ForwardRetry is the wait before each retry; the last repeats.
	// Default DefaultForwardRetry.
	ForwardRetry []time.Duration
	// ForwardMaxAge is how long an event is retried before it becomes a
	// dead letter. Default 7 days.
	ForwardMaxAge time.Duration
	// ForwardConcurrency bounds the attempts in flight. Default 16.
	ForwardConcurrency int
	// ForwardTimeout bounds one attempt. Default 30s.
	ForwardTimeout time.Duration
	// Ordered delivers one event at a time in arrival order; a failing
	// event holds back the ones behind it.
	Ordered bool
	// AckStatus is the status of an acknowledgement. Default 200.
	AckStatus int
	// AckBody is the body of an acknowledgement; nil means
	// DefaultAckBody. A 204 acknowledgement never has a body.
	AckBody *string
	// AckTimeout bounds the durable write before a 503. Default 4s.
	AckTimeout time.Duration
	// MaxBody is the largest body accepted, in bytes. Default 1 MiB.
	MaxBody int64
}

// Receiver is one webhook_receiver: an HTTP endpoint and its forwarder.
type Receiver struct {
	name        string
	queue       string
	verifiers   []signing.Verifier
	fixedDedupe *dedupeRule           // the dedupe line, if any
	dedupeRules map[string]dedupeRule // per scheme, without a dedupe line
	dedupeTTL   time.Duration
	seq         *sequencer

	forwardTo      string
	retry          []time.Duration
	maxAge         time.Duration
	concurrency    int
	forwardTimeout time.Duration
	ordered        bool
	client         *http.Client
	streak         atomic.Int64 // consecutive failed attempts (unordered)

	ackStatus  int
	ackBody    []byte
	ackType    string
	ackTimeout time.Duration
	maxBody    int64

	store   store.Store
	kick    func(queue string)
	metrics Metrics
	logger  *zap.Logger
}

// New validates cfg and builds the receiver. kick is called with the queue
// name after each event is stored; metrics and logger may be nil.
func New(cfg Config, st store.Store, kick func(queue string), m Metrics, logger *zap.Logger) (*Receiver, error) {
	if st == nil {
		return nil, errors.New("webhook_receiver: no store")
	}
	if kick == nil {
		kick = func(string) {}
	}
	if m == nil {
		m = NopMetrics{}
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if !validName.MatchString(cfg.Name) {
		return nil, fmt.Errorf("webhook_receiver: name %q must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit", cfg.Name)
	}
	fail := func(format string, args ...any) (*Receiver, error) {
		return nil, fmt.Errorf("webhook_receiver %s: %s", cfg.Name, fmt.Sprintf(format, args...))
	}
	r := &Receiver{
		name:           cfg.Name,
		queue:          QueuePrefix + cfg.Name,
		verifiers:      cfg.Verifiers,
		dedupeTTL:      firstPositive(cfg.Dedupe.TTL, cfg.DedupeTTL, DefaultDedupeTTL),
		forwardTo:      cfg.ForwardTo,
		retry:          cfg.ForwardRetry,
		maxAge:         firstPositive(cfg.ForwardMaxAge, DefaultForwardMaxAge),
		concurrency:    cfg.ForwardConcurrency,
		forwardTimeout: firstPositive(cfg.ForwardTimeout, DefaultForwardTimeout),
		ordered:        cfg.Ordered,
		ackStatus:      cfg.AckStatus,
		ackTimeout:     firstPositive(cfg.AckTimeout, DefaultAckTimeout),
		maxBody:        cfg.MaxBody,
		store:          st,
		kick:           kick,
		metrics:        m,
		logger:         logger,
	}

	if len(cfg.Verifiers) == 0 {
		return fail("at least one verify line is required (use `verify none` for providers that sign nothing)")
	}
	for i, v := range cfg.Verifiers {
		if v == nil {
			return fail("verify line %d is empty", i+1)
		}
	}
	if cfg.Dedupe.TTL < 0 || cfg.DedupeTTL < 0 {
		return fail("dedupe ttl must not be negative")
	}
	if cfg.Dedupe.By != "" {
		rule, err := compileDedupe(cfg.Dedupe)
		if err != nil {
			return fail("%v", err)
		}
		r.fixedDedupe = &rule
	} else {
		r.dedupeRules = make(map[string]dedupeRule)
		for _, v := range cfg.Verifiers {
			rule, err := compileDedupe(DefaultDedupe(v.Scheme()))
			if err != nil {
				return fail("%v", err)
			}
			r.dedupeRules[v.Scheme()] = rule
		}
	}
	if cfg.Sequence != "" {
		p, err := ParsePointer(cfg.Sequence)
		if err != nil {
			return fail("sequence: %v", err)
		}
		r.seq = newSequencer(st, r.name, p)
	}

	if err := checkForwardURL(cfg.ForwardTo); err != nil {
		return fail("%v", err)
	}
	if len(r.retry) == 0 {
		r.retry = DefaultForwardRetry
	}
	for _, d := range r.retry {
		if d <= 0 {
			return fail("forward_retry durations must be positive")
		}
	}
	r.retry = append([]time.Duration(nil), r.retry...)
	if cfg.ForwardMaxAge < 0 || cfg.ForwardTimeout < 0 || cfg.AckTimeout < 0 {
		return fail("forward_max_age, forward_timeout and ack_timeout must not be negative")
	}
	switch {
	case r.concurrency < 0:
		return fail("forward_concurrency must be positive")
	case r.ordered && r.concurrency > 1:
		return fail("ordered delivers one event at a time; remove forward_concurrency %d", r.concurrency)
	case r.ordered:
		r.concurrency = 1
	case r.concurrency == 0:
		r.concurrency = DefaultForwardConcurrency
	}
	r.client = delivery.NewClient(r.concurrency, nil)

	if r.ackStatus == 0 {
		r.ackStatus = DefaultAckStatus
	}
	if r.ackStatus < 200 || r.ackStatus > 299 {
		return fail("ack status must be 2xx, not %d: providers retry anything else", r.ackStatus)
	}
	body := DefaultAckBody
	if cfg.AckBody != nil {
		body = *cfg.AckBody
	}
	if r.ackStatus != http.StatusNoContent {
		r.ackBody = []byte(body)
		r.ackType = contentTypeOf(r.ackBody)
	}

	if r.maxBody < 0 {
		return fail("max_body must be positive")
	}
	if r.maxBody > MaxBodyLimit {
		return fail("max_body must be at most %s (the store keeps each event in one value-log file), not %s",
			formatSize(MaxBodyLimit), formatSize(r.maxBody))
	}
	if r.maxBody == 0 {
		r.maxBody = DefaultMaxBody
	}
	return r, nil
}

// checkForwardURL accepts an absolute http or https URL with a host.
func checkForwardURL(s string) error {
	if s == "" {
		return errors.New("forward_to is required")
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("forward_to: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("forward_to %q must be an http:// or https:// URL with a host", s)
	}
	return nil
}

// firstPositive returns the first positive duration, or zero.
func firstPositive(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// Name is the receiver's name, unique in a config.
func (r *Receiver) Name() string { return r.name }

// Queue is the name of the receiver's queue in the store.
func (r *Receiver) Queue() string { return r.queue }

// Depth counts the events waiting to be forwarded (dead letters excluded).
func (r *Receiver) Depth() (int, error) { return r.store.Depth(r.queue) }

// Close releases the forwarder's idle connections. Events still queued stay
// in the store for the next receiver of the same name.
func (r *Receiver) Close() {
	r.client.CloseIdleConnections()
}
