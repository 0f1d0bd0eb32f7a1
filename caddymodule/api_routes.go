package caddymodule

import (
	"net/http"
	"strings"

	"go.uber.org/zap"
)

// apiRoute is one endpoint of the webhook API. apiRoutes is the single
// list that both builds the mux and is checked against openapi.json.
type apiRoute struct {
	method string
	path   string
	handle func(h *APIHandler, w http.ResponseWriter, r *http.Request) error
}

// apiRoutes lists every endpoint, with paths relative to the mount point.
var apiRoutes = []apiRoute{
	{http.MethodPost, "/subscriptions", (*APIHandler).createSubscription},
	{http.MethodGet, "/subscriptions", (*APIHandler).listSubscriptions},
	{http.MethodGet, "/subscriptions/{id}", (*APIHandler).getSubscription},
	{http.MethodPatch, "/subscriptions/{id}", (*APIHandler).patchSubscription},
	{http.MethodDelete, "/subscriptions/{id}", (*APIHandler).deleteSubscription},
	{http.MethodGet, "/subscriptions/{id}/secret", (*APIHandler).getSecret},
	{http.MethodGet, "/subscriptions/{id}/deliveries", (*APIHandler).listDeliveries},
	{http.MethodPost, "/deliveries/{id}/retry", (*APIHandler).retryDelivery},
	{http.MethodPost, "/events", (*APIHandler).publish},
	{http.MethodGet, "/receivers/{name}/dead", (*APIHandler).listDead},
	{http.MethodPost, "/receivers/{name}/dead/{id}/retry", (*APIHandler).replayDead},
	{http.MethodGet, "/receivers/{name}/gaps", (*APIHandler).gaps},
	{http.MethodGet, "/stats", (*APIHandler).stats},
}

// apiMethods are the methods the API uses, for the Allow header of 405s.
var apiMethods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete}

// newAPIMux registers every route of apiRoutes for h.
func newAPIMux(h *APIHandler) *http.ServeMux {
	mux := http.NewServeMux()
	for _, route := range apiRoutes {
		handle := route.handle
		mux.HandleFunc(route.method+" "+route.path, func(w http.ResponseWriter, r *http.Request) {
			if err := handle(h, w, r); err != nil {
				writeError(w, h.logger, err)
			}
		})
	}
	return mux
}

// serveAPI routes a request, answering unknown paths with 404 and known
// paths with another method with 405, both as JSON errors.
func serveAPI(mux *http.ServeMux, w http.ResponseWriter, r *http.Request, logger *zap.Logger) {
	if _, pattern := mux.Handler(r); pattern != "" {
		mux.ServeHTTP(w, r)
		return
	}
	var allowed []string
	for _, m := range apiMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, logger, apiErrorf(http.StatusMethodNotAllowed, "%s is not allowed on %s", r.Method, r.URL.Path))
		return
	}
	writeError(w, logger, apiErrorf(http.StatusNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path))
}
