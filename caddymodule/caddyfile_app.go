package caddymodule

import (
	"encoding/json"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("webhooks", parseWebhooksOption)
}

// parseWebhooksOption sets up the `webhooks` app from the global option:
//
//	webhooks {
//		storage_dir   <path>
//		durability    fsync|process
//		dedupe_ttl    <duration>
//		allow_private_targets
//		outbound {
//			timeout              <duration>
//			retry_schedule       <durations...>
//			deactivate_on_status <codes...>
//			delete_on_body       <text>
//			pause_on_failure     <duration>
//			breaker              <failures> <window> <pause>
//			success_body         <json>
//		}
//	}
func parseWebhooksOption(d *caddyfile.Dispenser, existing any) (any, error) {
	app := new(App)
	if err := app.UnmarshalCaddyfile(d); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(app)
	if err != nil {
		return nil, err
	}
	return httpcaddyfile.App{Name: "webhooks", Value: raw}, nil
}

// UnmarshalCaddyfile sets up the app from Caddyfile tokens; see
// parseWebhooksOption for the syntax.
func (a *App) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume option name
	if d.NextArg() {
		return d.ArgErr()
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "storage_dir":
			if !d.AllArgs(&a.StorageDir) {
				return d.ArgErr()
			}
		case "durability":
			if !d.AllArgs(&a.Durability) {
				return d.ArgErr()
			}
			if a.Durability != DurabilityFsync && a.Durability != DurabilityProcess {
				return d.Errf("durability must be %s or %s, not %q", DurabilityFsync, DurabilityProcess, a.Durability)
			}
		case "dedupe_ttl":
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			ttl, err := caddy.ParseDuration(s)
			if err != nil {
				return d.Errf("dedupe_ttl: %v", err)
			}
			if ttl <= 0 || ttl > 10*365*24*time.Hour {
				return d.Errf("dedupe_ttl must be positive, not %s", s)
			}
			a.DedupeTTL = caddy.Duration(ttl)
		case "allow_private_targets":
			if d.NextArg() {
				return d.ArgErr()
			}
			a.AllowPrivateTargets = true
		case "outbound":
			if d.NextArg() {
				return d.ArgErr()
			}
			p, err := parseOutboundPolicy(d)
			if err != nil {
				return err
			}
			a.Outbound = p
		default:
			return d.Errf("unrecognized webhooks option '%s'", d.Val())
		}
	}
	return nil
}

// Interface guards
var _ caddyfile.Unmarshaler = (*App)(nil)
