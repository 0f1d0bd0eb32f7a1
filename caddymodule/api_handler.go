package caddymodule

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(APIHandler{})
	httpcaddyfile.RegisterHandlerDirective("webhook_api", parseAPIHandler)
	httpcaddyfile.RegisterDirectiveOrder("webhook_api", httpcaddyfile.Before, "respond")
}

// APIHandler is the webhook_api handler: the management API of
// subscriptions, publishing, deliveries, receivers' dead letters and gaps,
// and stats. Paths are relative to where it is mounted, e.g.
// `handle_path /webhooks/* { webhook_api }`. Every request must carry
// `Authorization: Bearer <token>` with one of Tokens; without tokens only
// clients connecting from a loopback address are served.
type APIHandler struct {
	// Tokens are the accepted bearer tokens. Placeholders such as
	// {env.NAME} and {file./path} are expanded at provision time.
	Tokens []string `json:"tokens,omitempty"`

	app    *App
	hashes [][sha256.Size]byte
	mux    *http.ServeMux
	logger *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (APIHandler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.webhook_api",
		New: func() caddy.Module { return new(APIHandler) },
	}
}

// Provision finds the webhooks app, expands the tokens and builds the
// routes.
func (h *APIHandler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	appIface, err := ctx.App("webhooks")
	if err != nil {
		return fmt.Errorf("webhook_api: getting the webhooks app: %w", err)
	}
	h.app = appIface.(*App)
	repl := caddy.NewReplacer()
	h.hashes = h.hashes[:0]
	for i, tok := range h.Tokens {
		expanded, err := repl.ReplaceOrErr(tok, true, true)
		if err != nil {
			return fmt.Errorf("webhook_api: token %d: %w", i+1, err)
		}
		if strings.TrimSpace(expanded) == "" {
			return fmt.Errorf("webhook_api: token %d is empty", i+1)
		}
		h.hashes = append(h.hashes, sha256.Sum256([]byte(expanded)))
	}
	h.mux = newAPIMux(h)
	return nil
}

// ServeHTTP authenticates the request and routes it. The API answers every
// path under its mount itself; it never calls next.
func (h *APIHandler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	if len(h.hashes) == 0 && isLoopback(r.RemoteAddr) && !fromLocalClient(r) {
		writeError(w, h.logger, apiErrorf(http.StatusForbidden,
			"without tokens the webhook API refuses requests a web page could make: "+
				"the Host must name a loopback address and an Origin, if sent, must be the API's own"))
		return nil
	}
	if !h.authorized(r) {
		if len(h.hashes) == 0 {
			writeError(w, h.logger, apiErrorf(http.StatusUnauthorized,
				"without tokens the webhook API serves only loopback clients"))
			return nil
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="webhooks"`)
		writeError(w, h.logger, apiErrorf(http.StatusUnauthorized, "a valid bearer token is required"))
		return nil
	}
	serveAPI(h.mux, w, r, h.logger)
	return nil
}

// authorized checks the bearer token against every configured token in
// constant time (comparing SHA-256 digests, so lengths leak nothing), or,
// with no tokens, that the connection comes from a loopback address.
// Headers such as X-Forwarded-For are never consulted.
func (h *APIHandler) authorized(r *http.Request) bool {
	if len(h.hashes) == 0 {
		return isLoopback(r.RemoteAddr)
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := 0
	for i := range h.hashes {
		match |= subtle.ConstantTimeCompare(sum[:], h.hashes[i][:])
	}
	return match == 1
}

// fromLocalClient reports whether a loopback request cannot be a web page's
// doing. A page open in a browser on this machine can make it send requests
// to loopback: cross-origin (the browser then sends the page's Origin) or,
// after rebinding a domain of its own to 127.0.0.1, same-origin (the Host
// then names that domain). Local programs send a loopback Host and no
// foreign Origin. Caddy's admin endpoint guards its loopback listener the
// same way.
func fromLocalClient(r *http.Request) bool {
	if !loopbackName(r.Host) {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// loopbackName reports whether a Host header names this machine: localhost
// or a loopback address, with or without a port.
func loopbackName(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.Trim(hostport, "[]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// isLoopback reports whether a connection's remote address is loopback.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}

// Interface guards
var (
	_ caddy.Provisioner           = (*APIHandler)(nil)
	_ caddyhttp.MiddlewareHandler = (*APIHandler)(nil)
)
