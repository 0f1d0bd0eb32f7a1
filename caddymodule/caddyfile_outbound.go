package caddymodule

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/hookgate/hookgate/outbound"
)

// parseOutboundPolicy parses the block of `webhooks { outbound { … } }`,
// with the dispenser on the `outbound` token:
//
//	outbound {
//		timeout              <duration>
//		retry_schedule       <durations...> | none
//		deactivate_on_status <codes...> | none
//		delete_on_body       <text>            # "" turns it off
//		pause_on_failure     <duration>        # 0 turns it off
//		breaker              <failures> <window> <pause> | off
//		success_body         <json>            # "" turns it off
//		concurrency          <n>
//	}
//
// Each subdirective may appear once; unknown ones are errors naming them.
func parseOutboundPolicy(d *caddyfile.Dispenser) (*outbound.Policy, error) {
	p := &outbound.Policy{}
	seen := make(map[string]bool)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if seen[name] {
			return nil, d.Errf("outbound: %s is given twice", name)
		}
		seen[name] = true
		args := d.RemainingArgs()
		var err error
		switch name {
		case "timeout":
			p.Timeout, err = oneDuration(d, name, args, false)
		case "retry_schedule":
			p.RetrySchedule, err = durationList(d, args)
		case "deactivate_on_status":
			p.DeactivateOnStatus, err = statusList(d, args)
		case "delete_on_body":
			if len(args) != 1 {
				return nil, d.Errf("outbound: delete_on_body takes one argument (quote text with spaces)")
			}
			p.DeleteOnBody = &args[0]
		case "pause_on_failure":
			p.PauseOnFailure, err = oneDuration(d, name, args, true)
		case "breaker":
			p.Breaker, err = breaker(d, args)
		case "success_body":
			p.SuccessBody, err = successBody(d, args)
		case "concurrency":
			p.Concurrency, err = concurrency(d, args)
		default:
			return nil, d.Errf("outbound: unrecognized subdirective '%s'", name)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := p.Validate(); err != nil {
		return nil, d.Errf("outbound: %v", err)
	}
	return p, nil
}

// parseDuration reads a Caddy duration (which also accepts days, "1d").
func parseDuration(d *caddyfile.Dispenser, what, s string) (time.Duration, error) {
	v, err := caddy.ParseDuration(s)
	if err != nil {
		return 0, d.Errf("outbound: %s: invalid duration %q", what, s)
	}
	return v, nil
}

// oneDuration reads a single duration argument; zero only if allowed.
func oneDuration(d *caddyfile.Dispenser, name string, args []string, zeroOK bool) (*outbound.Duration, error) {
	if len(args) != 1 {
		return nil, d.Errf("outbound: %s takes one duration", name)
	}
	v, err := parseDuration(d, name, args[0])
	if err != nil {
		return nil, err
	}
	if v < 0 || (v == 0 && !zeroOK) {
		return nil, d.Errf("outbound: %s must be positive, not %s", name, args[0])
	}
	out := outbound.Duration(v)
	return &out, nil
}

// durationList reads retry_schedule; "none" means no retries.
func durationList(d *caddyfile.Dispenser, args []string) ([]outbound.Duration, error) {
	if len(args) == 0 {
		return nil, d.Errf("outbound: retry_schedule takes one or more durations, or none")
	}
	if len(args) == 1 && args[0] == "none" {
		return []outbound.Duration{}, nil
	}
	out := make([]outbound.Duration, 0, len(args))
	for _, a := range args {
		v, err := parseDuration(d, "retry_schedule", a)
		if err != nil {
			return nil, err
		}
		out = append(out, outbound.Duration(v))
	}
	return out, nil
}

// statusList reads deactivate_on_status; "none" deactivates on no status.
func statusList(d *caddyfile.Dispenser, args []string) ([]int, error) {
	if len(args) == 0 {
		return nil, d.Errf("outbound: deactivate_on_status takes one or more status codes, or none")
	}
	if len(args) == 1 && args[0] == "none" {
		return []int{}, nil
	}
	out := make([]int, 0, len(args))
	for _, a := range args {
		code, err := strconv.Atoi(a)
		if err != nil || code < 100 || code > 599 {
			return nil, d.Errf("outbound: deactivate_on_status: %q is not an HTTP status code", a)
		}
		out = append(out, code)
	}
	return out, nil
}

// breaker reads `breaker <failures> <window> <pause>` or `breaker off`.
func breaker(d *caddyfile.Dispenser, args []string) (*outbound.Breaker, error) {
	if len(args) == 1 && args[0] == "off" {
		return &outbound.Breaker{}, nil
	}
	if len(args) != 3 {
		return nil, d.Errf("outbound: breaker takes <failures> <window> <pause>, or off")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return nil, d.Errf("outbound: breaker failures must be a positive number, not %q", args[0])
	}
	window, err := parseDuration(d, "breaker window", args[1])
	if err != nil {
		return nil, err
	}
	pause, err := parseDuration(d, "breaker pause", args[2])
	if err != nil {
		return nil, err
	}
	return &outbound.Breaker{Failures: n, Window: outbound.Duration(window), Pause: outbound.Duration(pause)}, nil
}

// successBody reads the JSON a 2xx must carry. The arguments are joined
// with spaces, so both `{"Success": true}` in backticks and unquoted
// {"Success": true} work; "" turns the check off.
func successBody(d *caddyfile.Dispenser, args []string) (json.RawMessage, error) {
	if len(args) == 0 {
		return nil, d.Errf("outbound: success_body takes JSON, or \"\" for none")
	}
	text := strings.TrimSpace(strings.Join(args, " "))
	if text == "" {
		return json.RawMessage(`""`), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return nil, d.Errf("outbound: success_body is not valid JSON: %s", text)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// concurrency reads the deliveries in flight per subscription.
func concurrency(d *caddyfile.Dispenser, args []string) (*int, error) {
	if len(args) != 1 {
		return nil, d.Errf("outbound: concurrency takes one number")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return nil, d.Errf("outbound: concurrency must be a positive number, not %q", args[0])
	}
	return &n, nil
}
