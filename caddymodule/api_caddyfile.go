package caddymodule

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// parseAPIHandler sets up the webhook_api handler from the Caddyfile.
func parseAPIHandler(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	api := new(APIHandler)
	if err := api.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return api, nil
}

// UnmarshalCaddyfile reads:
//
//	webhook_api {
//		token <secret>...
//	}
//
// token may be repeated and takes one or more secrets (placeholders such as
// {env.API_TOKEN} are expanded at provision time). Without any token only
// loopback clients are served. Unknown subdirectives are errors.
func (h *APIHandler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the directive name
	if d.NextArg() {
		// The argument is not echoed: it may be a token put on the wrong line.
		return d.Err("webhook_api takes no arguments; give tokens in a block: webhook_api { token <secret> }")
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "token":
			tokens := d.RemainingArgs()
			if len(tokens) == 0 {
				return d.Err("webhook_api: token needs at least one value")
			}
			for _, t := range tokens {
				if t == "" {
					return d.Err("webhook_api: token must not be empty")
				}
			}
			h.Tokens = append(h.Tokens, tokens...)
		default:
			return d.Errf("webhook_api: unrecognized subdirective '%s'", d.Val())
		}
	}
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*APIHandler)(nil)
