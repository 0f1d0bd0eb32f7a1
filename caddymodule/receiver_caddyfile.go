package caddymodule

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/dustin/go-humanize"

	"github.com/hookgate/hookgate/receiver"
)

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens:
//
//	webhook_receiver [<name>] {
//		verify <scheme> [<secret>...] {        # one or more; a request must pass one of them
//			header    <name>                   # hmac (the signature) and token (the token)
//			query     <param>                  # token only
//			algorithm sha256|sha512|sha1       # hmac only
//			encoding  hex|base64               # hmac only
//			prefix    <text>                   # hmac and token, e.g. sha256=
//			tolerance <duration>               # standard and stripe, default 5m
//		}
//		dedupe   header <name> | json <pointer> | body | off   [ttl]
//		sequence json <pointer>
//		forward_to <url>
//		forward_retry <durations...>
//		forward_max_age <duration>
//		forward_concurrency <n>
//		forward_timeout <duration>
//		ordered
//		ack <status> [<body>]
//		ack_timeout <duration>
//		max_body <size>
//	}
//
// Every unknown subdirective is an error that names it.
func (h *ReceiverHandler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		h.Name = d.Val()
	}
	if d.NextArg() {
		return d.Errf("webhook_receiver takes one name, got another argument %q", d.Val())
	}
	for d.NextBlock(0) {
		sub := d.Val()
		var err error
		switch sub {
		case "verify":
			err = h.parseVerify(d)
		case "dedupe":
			err = h.parseDedupe(d)
		case "sequence":
			var by, pointer string
			if !d.AllArgs(&by, &pointer) {
				return d.ArgErr()
			}
			if by != "json" {
				return d.Errf("sequence must be read with json, as in `sequence json /increment_id`, not %q", by)
			}
			h.Sequence = &ReceiverSequence{By: by, Pointer: pointer}
		case "forward_to":
			if !d.AllArgs(&h.ForwardTo) {
				return d.ArgErr()
			}
		case "forward_retry":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			h.ForwardRetry = h.ForwardRetry[:0]
			for _, a := range args {
				dur, err := parsePositiveDuration(d, sub, a)
				if err != nil {
					return err
				}
				h.ForwardRetry = append(h.ForwardRetry, dur)
			}
		case "forward_max_age":
			h.ForwardMaxAge, err = parseDurationArg(d, sub)
		case "forward_timeout":
			h.ForwardTimeout, err = parseDurationArg(d, sub)
		case "ack_timeout":
			h.AckTimeout, err = parseDurationArg(d, sub)
		case "forward_concurrency":
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			n, convErr := strconv.Atoi(s)
			if convErr != nil || n < 1 {
				return d.Errf("forward_concurrency must be a positive whole number, not %q", s)
			}
			h.ForwardConcurrency = n
		case "ordered":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.Ordered = true
		case "ack":
			err = h.parseAck(d)
		case "max_body":
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			size, convErr := humanize.ParseBytes(s)
			if convErr != nil || size == 0 {
				return d.Errf("max_body must be a size such as 1MB or 512KiB, not %q", s)
			}
			if size > receiver.MaxBodyLimit {
				return d.Errf("max_body must be at most 32 MiB, not %q: the store keeps each event in one value-log file", s)
			}
			h.MaxBody = int64(size)
		default:
			return d.Errf("unrecognized webhook_receiver subdirective '%s'", sub)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseVerify parses `verify <scheme> [<secret>...] { … }`.
func (h *ReceiverHandler) parseVerify(d *caddyfile.Dispenser) error {
	var v ReceiverVerify
	if !d.NextArg() {
		return d.Errf("verify needs a scheme: ms_signature, standard, github, stripe, shopify, hmac, token or none")
	}
	v.Scheme = d.Val()
	v.Secrets = d.RemainingArgs()
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		opt := d.Val()
		var target *string
		switch opt {
		case "header":
			target = &v.Header
		case "query":
			target = &v.Query
		case "algorithm":
			target = &v.Algorithm
		case "encoding":
			target = &v.Encoding
		case "prefix":
			target = &v.Prefix
		case "tolerance":
			dur, err := parseDurationArg(d, "tolerance")
			if err != nil {
				return err
			}
			v.Tolerance = dur
			continue
		default:
			return d.Errf("unrecognized verify option '%s'", opt)
		}
		if !d.AllArgs(target) {
			return d.ArgErr()
		}
	}
	if err := checkVerifyOptions(v); err != nil {
		return d.Err(err.Error())
	}
	h.Verify = append(h.Verify, v)
	return nil
}

// parseDedupe parses `dedupe header <name> | json <pointer> | body | off [ttl]`.
func (h *ReceiverHandler) parseDedupe(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return d.Errf("dedupe needs a method: header <name>, json <pointer>, body or off")
	}
	dd := &ReceiverDedupe{By: args[0]}
	rest := args[1:]
	switch dd.By {
	case receiver.DedupeHeader, receiver.DedupeJSON:
		if len(rest) == 0 {
			return d.Errf("dedupe %s needs a %s", dd.By, map[string]string{"header": "header name", "json": "json pointer"}[dd.By])
		}
		if dd.By == receiver.DedupeHeader {
			dd.Name = rest[0]
		} else {
			if _, err := receiver.ParsePointer(rest[0]); err != nil {
				return d.Errf("dedupe json: %v", err)
			}
			dd.Pointer = rest[0]
		}
		rest = rest[1:]
	case receiver.DedupeBody:
	case receiver.DedupeOff:
		if len(rest) > 0 {
			return d.Errf("dedupe off takes no ttl")
		}
	default:
		return d.Errf("unrecognized dedupe method '%s' (want header, json, body or off)", dd.By)
	}
	switch len(rest) {
	case 0:
	case 1:
		ttl, err := parsePositiveDuration(d, "dedupe ttl", rest[0])
		if err != nil {
			return err
		}
		dd.TTL = ttl
	default:
		return d.ArgErr()
	}
	h.Dedupe = dd
	return nil
}

// parseAck parses `ack <status> [<body>]`.
func (h *ReceiverHandler) parseAck(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	if len(args) == 0 || len(args) > 2 {
		return d.ArgErr()
	}
	status, err := strconv.Atoi(args[0])
	if err != nil || status < 200 || status > 299 {
		return d.Errf("ack status must be 2xx, not %q: providers retry anything else", args[0])
	}
	h.Ack = &ReceiverAck{Status: status}
	if len(args) == 2 {
		if status == http.StatusNoContent && args[1] != "" {
			return d.Errf("ack 204 cannot have a body")
		}
		body := args[1]
		h.Ack.Body = &body
	}
	return nil
}

// parseDurationArg reads the one positive duration argument of option.
func parseDurationArg(d *caddyfile.Dispenser, option string) (caddy.Duration, error) {
	var s string
	if !d.AllArgs(&s) {
		return 0, d.ArgErr()
	}
	return parsePositiveDuration(d, option, s)
}

// parsePositiveDuration parses s as a positive Caddy duration (which allows
// days, as in 7d).
func parsePositiveDuration(d *caddyfile.Dispenser, option, s string) (caddy.Duration, error) {
	dur, err := caddy.ParseDuration(s)
	if err != nil {
		return 0, d.Errf("%s: %v", option, err)
	}
	if dur <= 0 {
		return 0, d.Errf("%s must be positive, not %s", option, strings.TrimSpace(s))
	}
	return caddy.Duration(dur), nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*ReceiverHandler)(nil)
