package delivery

import (
	"sync"

	"github.com/hookgate/hookgate/store"
)

// live lists the running engines of each store. During a config reload
// Caddy starts the new config's engines, then stops the old config's apps
// while its HTTP servers may still finish requests. A wake-up that reaches
// a stopped engine (a webhook acknowledged or an event published by the
// old config's handler), and the jobs a stopping engine releases, are
// handed to the engines that replaced it; otherwise a queue the new engines
// did not know about would wait for the next event or restart.
var live = struct {
	sync.Mutex
	engines map[store.Store][]*Engine
}{engines: make(map[store.Store][]*Engine)}

// register adds a started engine to its store's list.
func register(e *Engine) {
	live.Lock()
	live.engines[e.Store] = append(live.engines[e.Store], e)
	live.Unlock()
}

// unregister removes a stopping engine from its store's list.
func unregister(e *Engine) {
	live.Lock()
	defer live.Unlock()
	list := live.engines[e.Store]
	for i, o := range list {
		if o == e {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(live.engines, e.Store)
		return
	}
	live.engines[e.Store] = list
}

// handOver wakes the queue in every running engine of from's store that
// serves from's prefix, other than from.
func handOver(from *Engine, queue string, resume bool) {
	live.Lock()
	var to []*Engine
	for _, o := range live.engines[from.Store] {
		if o != from && o.Prefix == from.Prefix {
			to = append(to, o)
		}
	}
	live.Unlock()
	for _, o := range to {
		o.poke(queue, resume)
	}
}
