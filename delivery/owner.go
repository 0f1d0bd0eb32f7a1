package delivery

import (
	"context"
	"sync"

	"github.com/hookgate/hookgate/store"
)

// owners makes sure one runner at a time serves a queue of a store, even
// while two engines overlap during a config reload (Caddy starts the new
// config before it stops the old one). Leases alone would stop a job being
// delivered twice, but not an ordered queue being served by two runners.
var owners = struct {
	sync.Mutex
	held map[ownerKey]chan struct{}
}{held: make(map[ownerKey]chan struct{})}

type ownerKey struct {
	store store.Store
	queue string
}

// acquire blocks until the queue is free or ctx ends, and returns the
// function that frees it.
func acquire(ctx context.Context, s store.Store, queue string) (func(), error) {
	k := ownerKey{s, queue}
	for {
		owners.Lock()
		busy, taken := owners.held[k]
		if !taken {
			freed := make(chan struct{})
			owners.held[k] = freed
			owners.Unlock()
			return func() {
				owners.Lock()
				delete(owners.held, k)
				owners.Unlock()
				close(freed)
			}, nil
		}
		owners.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
