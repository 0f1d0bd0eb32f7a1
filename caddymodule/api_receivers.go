package caddymodule

import (
	"fmt"
	"net/http"

	"github.com/hookgate/hookgate/outbound"
	"github.com/hookgate/hookgate/receiver"
	"github.com/hookgate/hookgate/store"
)

// receiverOf returns the receiver named in the path, or a 404 error.
func (h *APIHandler) receiverOf(r *http.Request) (*receiver.Receiver, error) {
	name := r.PathValue("name")
	rcv, ok := h.app.receiver(name)
	if !ok {
		return nil, fmt.Errorf("no receiver named %q: %w", name, store.ErrNotFound)
	}
	return rcv, nil
}

// listDead is GET /receivers/{name}/dead?cursor=&limit=: the inbound dead
// letters, oldest first.
func (h *APIHandler) listDead(w http.ResponseWriter, r *http.Request) error {
	rcv, err := h.receiverOf(r)
	if err != nil {
		return err
	}
	cursor, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := rcv.Dead(cursor, limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page[receiver.DeadLetter]{Items: items, NextCursor: next})
	return nil
}

// replayDead is POST /receivers/{name}/dead/{id}/retry: 202 once the dead
// letter is queued to be forwarded again.
func (h *APIHandler) replayDead(w http.ResponseWriter, r *http.Request) error {
	rcv, err := h.receiverOf(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := rcv.Replay(id); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "receiver": rcv.Name(), "status": "pending"})
	return nil
}

// gaps is GET /receivers/{name}/gaps: the missing sequence numbers.
func (h *APIHandler) gaps(w http.ResponseWriter, r *http.Request) error {
	rcv, err := h.receiverOf(r)
	if err != nil {
		return err
	}
	gaps, err := rcv.Gaps()
	if err != nil {
		return err
	}
	if gaps == nil {
		gaps = []receiver.Gap{}
	}
	writeJSON(w, http.StatusOK, page[receiver.Gap]{Items: gaps})
	return nil
}

// apiStats is the body of GET /stats.
type apiStats struct {
	Outbound outbound.Stats `json:"outbound"`
	Inbound  inboundStats   `json:"inbound"`
}

// inboundStats holds the receivers' queue depths.
type inboundStats struct {
	Queues map[string]int `json:"queues"`
}

// stats is GET /stats: queue depths, attempt counts by outcome and
// subscriptions by status.
func (h *APIHandler) stats(w http.ResponseWriter, r *http.Request) error {
	out, err := h.app.dispatcher.Stats()
	if err != nil {
		return err
	}
	queues, err := h.app.store.Queues(receiver.QueuePrefix)
	if err != nil {
		return fmt.Errorf("listing inbound queues: %w", err)
	}
	in := inboundStats{Queues: make(map[string]int, len(queues))}
	for _, q := range queues {
		n, err := h.app.store.Depth(q)
		if err != nil {
			return fmt.Errorf("queue %s: %w", q, err)
		}
		in.Queues[q] = n
	}
	writeJSON(w, http.StatusOK, apiStats{Outbound: out, Inbound: in})
	return nil
}
