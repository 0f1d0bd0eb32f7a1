package caddymodule

import (
	"net/http"

	"github.com/hookgate/hookgate/outbound"
)

// createSubscription is POST /subscriptions: 201 with the subscription,
// its secret included.
func (h *APIHandler) createSubscription(w http.ResponseWriter, r *http.Request) error {
	var in outbound.SubscriptionInput
	if err := decodeJSONBody(w, r, &in); err != nil {
		return err
	}
	sub, err := h.app.dispatcher.Create(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sub)
	return nil
}

// listSubscriptions is GET /subscriptions?cursor=&limit=, secrets left out.
func (h *APIHandler) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	subs, next, err := h.app.dispatcher.List(cursor, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page[outbound.Subscription]{Items: subs, NextCursor: next})
	return nil
}

// getSubscription is GET /subscriptions/{id}, secret left out.
func (h *APIHandler) getSubscription(w http.ResponseWriter, r *http.Request) error {
	sub, err := h.app.dispatcher.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

// getSecret is GET /subscriptions/{id}/secret.
func (h *APIHandler) getSecret(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	secret, err := h.app.dispatcher.Secret(id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id, "secret": secret})
	return nil
}

// patchSubscription is PATCH /subscriptions/{id}; {"active": true}
// reactivates.
func (h *APIHandler) patchSubscription(w http.ResponseWriter, r *http.Request) error {
	var p outbound.SubscriptionPatch
	if err := decodeJSONBody(w, r, &p); err != nil {
		return err
	}
	sub, err := h.app.dispatcher.Update(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

// deleteSubscription is DELETE /subscriptions/{id}: 204, its pending
// deliveries dropped.
func (h *APIHandler) deleteSubscription(w http.ResponseWriter, r *http.Request) error {
	if err := h.app.dispatcher.Delete(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDeliveries is GET /subscriptions/{id}/deliveries?status=&cursor=&limit=:
// the attempt log, newest first.
func (h *APIHandler) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	cursor, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", outbound.DeliveryPending, outbound.DeliverySucceeded, outbound.DeliveryFailed, outbound.DeliveryDead:
	default:
		return apiErrorf(http.StatusBadRequest, "status must be pending, succeeded, failed or dead, not %q", status)
	}
	items, next, err := h.app.dispatcher.Attempts(r.PathValue("id"), status, cursor, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page[outbound.Attempt]{Items: items, NextCursor: next})
	return nil
}

// retryDelivery is POST /deliveries/{id}/retry: 202 once the failed or
// dead delivery is queued to go now.
func (h *APIHandler) retryDelivery(w http.ResponseWriter, r *http.Request) error {
	res, err := h.app.dispatcher.Retry(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, res)
	return nil
}

// publish is POST /events: 202 {"id", "deliveries"}; a repeated id fans out
// nothing and says "duplicate": true.
func (h *APIHandler) publish(w http.ResponseWriter, r *http.Request) error {
	var ev outbound.Event
	if err := decodeJSONBody(w, r, &ev); err != nil {
		return err
	}
	res, err := h.app.dispatcher.Publish(r.Context(), ev)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, res)
	return nil
}
