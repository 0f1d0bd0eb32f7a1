package caddymodule

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/hookgate/hookgate/receiver"
	"github.com/hookgate/hookgate/signing"
)

func init() {
	caddy.RegisterModule(ReceiverHandler{})
	httpcaddyfile.RegisterHandlerDirective("webhook_receiver", parseReceiverCaddyfile)
	httpcaddyfile.RegisterDirectiveOrder("webhook_receiver", httpcaddyfile.Before, "respond")
}

// ReceiverHandler is the `webhook_receiver` handler: it verifies a provider's
// webhook, drops duplicates, stores the event durably in the `webhooks` app,
// acknowledges it at once and has the app forward it to forward_to. It
// answers every request itself and never calls the next handler.
type ReceiverHandler struct {
	// Name identifies the receiver in the queue, metrics, logs and the
	// webhook_api paths (/receivers/{name}/…). Names are unique within a
	// config. Default "default".
	Name string `json:"name,omitempty"`
	// Verify lists the accepted signatures; a request must pass one of
	// them. At least one is required (`none` for unsigned providers).
	Verify []ReceiverVerify `json:"verify,omitempty"`
	// Dedupe says how to find an event's dedupe key. Without it, the key
	// is the default of the scheme that verified the request.
	Dedupe *ReceiverDedupe `json:"dedupe,omitempty"`
	// Sequence enables gap detection on a provider's sequence number.
	Sequence *ReceiverSequence `json:"sequence,omitempty"`
	// ForwardTo is the app's URL; events are POSTed there (required).
	ForwardTo string `json:"forward_to,omitempty"`
	// ForwardRetry is the wait before each retry; the last step repeats.
	// Default: 1s doubling to 5m.
	ForwardRetry []caddy.Duration `json:"forward_retry,omitempty"`
	// ForwardMaxAge is how long an event is retried before it becomes a
	// dead letter. Default 7 days.
	ForwardMaxAge caddy.Duration `json:"forward_max_age,omitempty"`
	// ForwardConcurrency bounds the attempts in flight. Default 16.
	ForwardConcurrency int `json:"forward_concurrency,omitempty"`
	// ForwardTimeout bounds one attempt to forward an event. Default 30s.
	ForwardTimeout caddy.Duration `json:"forward_timeout,omitempty"`
	// Ordered delivers one event at a time, in arrival order; a failing
	// event holds back the ones behind it.
	Ordered bool `json:"ordered,omitempty"`
	// Ack is the acknowledgement. Default 200 with {"Success": true}.
	Ack *ReceiverAck `json:"ack,omitempty"`
	// AckTimeout bounds the durable write; without one by then the
	// provider gets 503 with Retry-After. Default 4s.
	AckTimeout caddy.Duration `json:"ack_timeout,omitempty"`
	// MaxBody is the largest body accepted, in bytes; larger gets 413.
	// Default 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	receiver *receiver.Receiver
	logger   *zap.Logger
}

// ReceiverVerify is one `verify` line.
type ReceiverVerify struct {
	// Scheme is ms_signature, standard, github, stripe, shopify, hmac,
	// token or none.
	Scheme string `json:"scheme"`
	// Secrets are tried in turn (rotation). They may be placeholders such
	// as {env.NAME} or {file./path}, expanded at provision time.
	Secrets []string `json:"secrets,omitempty"`
	// Header carries the signature (hmac) or the token (token).
	Header string `json:"header,omitempty"`
	// Query is the query parameter that carries the token (token).
	Query string `json:"query,omitempty"`
	// Algorithm is sha256 (default), sha512 or sha1 (hmac).
	Algorithm string `json:"algorithm,omitempty"`
	// Encoding is hex (default) or base64 (hmac).
	Encoding string `json:"encoding,omitempty"`
	// Prefix precedes the signature (hmac, e.g. "sha256=") or the token
	// (token, e.g. "Bearer ").
	Prefix string `json:"prefix,omitempty"`
	// Tolerance bounds the signed timestamp's distance from now
	// (standard, stripe). Default 5m.
	Tolerance caddy.Duration `json:"tolerance,omitempty"`
}

// ReceiverDedupe is the `dedupe` line.
type ReceiverDedupe struct {
	// By is header, json, body or off.
	By string `json:"by"`
	// Name is the header that holds the key (by header).
	Name string `json:"name,omitempty"`
	// Pointer is the JSON pointer of the key in the body (by json).
	Pointer string `json:"pointer,omitempty"`
	// TTL is how long keys are remembered. Default: the app's dedupe_ttl.
	TTL caddy.Duration `json:"ttl,omitempty"`
}

// ReceiverSequence is the `sequence` line.
type ReceiverSequence struct {
	// By is json, the only source of sequence numbers so far.
	By string `json:"by"`
	// Pointer is the JSON pointer of the sequence number, such as
	// /increment_id.
	Pointer string `json:"pointer"`
}

// ReceiverAck is the `ack` line.
type ReceiverAck struct {
	// Status is a 2xx status. Default 200.
	Status int `json:"status,omitempty"`
	// Body is the response body; absent means {"Success": true}. A 204
	// has no body.
	Body *string `json:"body,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (ReceiverHandler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.webhook_receiver",
		New: func() caddy.Module { return new(ReceiverHandler) },
	}
}

// Provision builds the verifiers, expanding secret placeholders, creates the
// receiver on the `webhooks` app's store and registers it with the app.
func (h *ReceiverHandler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	if err := h.check(); err != nil {
		return err
	}
	// the settings as configured, before anything below fills them in
	config, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("webhook_receiver %s: %w", h.Name, err)
	}
	appModule, err := ctx.App("webhooks")
	if err != nil {
		return fmt.Errorf("webhook_receiver: getting the webhooks app: %w", err)
	}
	app, ok := appModule.(*App)
	if !ok {
		return fmt.Errorf("webhook_receiver: the webhooks app is a %T, not hookgate's", appModule)
	}

	repl := caddy.NewReplacer()
	verifiers := make([]signing.Verifier, 0, len(h.Verify))
	for _, v := range h.Verify {
		secrets := make([]string, len(v.Secrets))
		for i, s := range v.Secrets {
			secrets[i] = repl.ReplaceKnown(s, "")
			if secrets[i] == "" && s != "" {
				// Only placeholders expand to nothing, so s holds no secret.
				return fmt.Errorf("webhook_receiver %s: verify %s: secret %d (%s) is empty once expanded", h.Name, v.Scheme, i+1, s)
			}
		}
		ver, err := signing.NewVerifier(signing.Config{
			Scheme:    v.Scheme,
			Secrets:   secrets,
			Header:    v.Header,
			Query:     v.Query,
			Algorithm: v.Algorithm,
			Encoding:  v.Encoding,
			Prefix:    v.Prefix,
			Tolerance: time.Duration(v.Tolerance),
		})
		if err != nil {
			return fmt.Errorf("webhook_receiver %s: %w", h.Name, err)
		}
		verifiers = append(verifiers, ver)
	}

	cfg := receiver.Config{
		Name:               h.Name,
		Verifiers:          verifiers,
		DedupeTTL:          time.Duration(app.DedupeTTL),
		ForwardTo:          h.ForwardTo,
		ForwardMaxAge:      time.Duration(h.ForwardMaxAge),
		ForwardConcurrency: h.ForwardConcurrency,
		ForwardTimeout:     time.Duration(h.ForwardTimeout),
		Ordered:            h.Ordered,
		AckTimeout:         time.Duration(h.AckTimeout),
		MaxBody:            h.MaxBody,
	}
	for _, d := range h.ForwardRetry {
		cfg.ForwardRetry = append(cfg.ForwardRetry, time.Duration(d))
	}
	if h.Dedupe != nil {
		// check allows a name with header and a pointer with json only;
		// receiver.New rejects either one with body or off.
		name := h.Dedupe.Name + h.Dedupe.Pointer
		cfg.Dedupe = receiver.Dedupe{By: h.Dedupe.By, Name: name, TTL: time.Duration(h.Dedupe.TTL)}
	}
	if h.Sequence != nil {
		cfg.Sequence = h.Sequence.Pointer
	}
	if h.Ack != nil {
		cfg.AckStatus, cfg.AckBody = h.Ack.Status, h.Ack.Body
	}

	name := h.Name
	if name == "" {
		name = receiver.DefaultName
	}
	r, err := app.receiverFor(name, config, func() (*receiver.Receiver, error) {
		return receiver.New(cfg, app.store, app.inbound.Kick, receiverMetrics{}, h.logger)
	})
	if err != nil {
		return err
	}
	h.receiver = r
	return nil
}

// Validate reports settings that contradict each other. Everything else is
// checked when the receiver is built.
func (h *ReceiverHandler) Validate() error {
	return h.check()
}

// check finds settings that the receiver would silently ignore: options of a
// verify line that its scheme does not use, a dedupe name with the wrong
// method, and an unknown sequence source.
func (h *ReceiverHandler) check() error {
	for _, v := range h.Verify {
		if err := checkVerifyOptions(v); err != nil {
			return fmt.Errorf("webhook_receiver %s: %w", h.Name, err)
		}
	}
	if d := h.Dedupe; d != nil {
		switch {
		case d.By == receiver.DedupeHeader && d.Pointer != "":
			return fmt.Errorf("webhook_receiver %s: dedupe header takes a name, not a pointer", h.Name)
		case d.By == receiver.DedupeJSON && d.Name != "":
			return fmt.Errorf("webhook_receiver %s: dedupe json takes a pointer, not a name", h.Name)
		case d.By == receiver.DedupeOff && d.TTL != 0:
			return fmt.Errorf("webhook_receiver %s: dedupe off takes no ttl", h.Name)
		}
	}
	if s := h.Sequence; s != nil && s.By != "json" {
		return fmt.Errorf("webhook_receiver %s: sequence must be read with json, not %q", h.Name, s.By)
	}
	return nil
}

// verifyOptionSchemes says which schemes use each option of a verify block.
var verifyOptionSchemes = map[string][]string{
	"header":    {signing.SchemeHMAC, signing.SchemeToken},
	"query":     {signing.SchemeToken},
	"algorithm": {signing.SchemeHMAC},
	"encoding":  {signing.SchemeHMAC},
	"prefix":    {signing.SchemeHMAC, signing.SchemeToken},
	"tolerance": {signing.SchemeStandard, signing.SchemeStripe},
}

// verifySchemes are the schemes a verify line may name.
var verifySchemes = []string{
	signing.SchemeMSSignature, signing.SchemeStandard, signing.SchemeGitHub, signing.SchemeStripe,
	signing.SchemeShopify, signing.SchemeHMAC, signing.SchemeToken, signing.SchemeNone,
}

// checkVerifyOptions rejects an unknown scheme, a secret count the scheme
// cannot use, and an option the scheme ignores.
func checkVerifyOptions(v ReceiverVerify) error {
	scheme := strings.ToLower(v.Scheme)
	if !slices.Contains(verifySchemes, scheme) {
		return fmt.Errorf("verify: unknown scheme %q (want %s)", v.Scheme, strings.Join(verifySchemes, ", "))
	}
	switch {
	case scheme == signing.SchemeNone && len(v.Secrets) > 0:
		return fmt.Errorf("verify none takes no secret")
	case scheme != signing.SchemeNone && len(v.Secrets) == 0:
		return fmt.Errorf("verify %s needs at least one secret", v.Scheme)
	}
	set := map[string]bool{
		"header": v.Header != "", "query": v.Query != "", "algorithm": v.Algorithm != "",
		"encoding": v.Encoding != "", "prefix": v.Prefix != "", "tolerance": v.Tolerance != 0,
	}
	for _, opt := range []string{"header", "query", "algorithm", "encoding", "prefix", "tolerance"} {
		if !set[opt] {
			continue
		}
		allowed := verifyOptionSchemes[opt]
		if !slices.Contains(allowed, scheme) {
			return fmt.Errorf("verify %s: %s applies to %s only", v.Scheme, opt, strings.Join(allowed, " and "))
		}
	}
	return nil
}

// Cleanup releases the forwarder's idle connections.
func (h *ReceiverHandler) Cleanup() error {
	if h.receiver != nil {
		h.receiver.Close()
	}
	return nil
}

// ServeHTTP answers the provider; it never calls next.
func (h *ReceiverHandler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	h.receiver.ServeHTTP(w, r)
	return nil
}

// parseReceiverCaddyfile sets up the handler from Caddyfile tokens.
func parseReceiverCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	rh := new(ReceiverHandler)
	if err := rh.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return rh, nil
}

// Interface guards
var (
	_ caddy.Provisioner           = (*ReceiverHandler)(nil)
	_ caddy.Validator             = (*ReceiverHandler)(nil)
	_ caddy.CleanerUpper          = (*ReceiverHandler)(nil)
	_ caddyhttp.MiddlewareHandler = (*ReceiverHandler)(nil)
)
