package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookgate/hookgate/store"
)

// registry holds the subscriptions of one store in memory, for fan-out and
// for the workers' hold checks, and serializes every change to each of
// them. It is shared by every Dispatcher on the same store: during a config
// reload the old and the new dispatcher run side by side, and both must see
// each other's status changes.
type registry struct {
	st    store.Store
	mu    sync.RWMutex
	subs  map[string]*entry
	stats counters
}

// entry is one subscription: its current state, replaced whole on each
// change (readers never lock), and the lock that serializes changes.
type entry struct {
	mu  sync.Mutex
	cur atomic.Pointer[subView]
}

// subView is an immutable snapshot of a subscription with its filter
// compiled.
type subView struct {
	rec   *record
	conds []condition
}

// registries maps each store to its registry.
var registries = struct {
	sync.Mutex
	m map[store.Store]*registry
}{m: make(map[store.Store]*registry)}

// errUnchanged tells registry.update that nothing needs writing.
var errUnchanged = errors.New("unchanged")

// registryFor returns the registry of a store, loading its subscriptions
// the first time.
func registryFor(st store.Store) (*registry, error) {
	registries.Lock()
	defer registries.Unlock()
	if r, ok := registries.m[st]; ok {
		return r, nil
	}
	// A closed store is never reopened (opening makes a new one), so the
	// registries of closed stores can go.
	for other := range registries.m {
		if _, err := other.Counter(""); errors.Is(err, store.ErrClosed) {
			delete(registries.m, other)
		}
	}
	r := &registry{st: st, subs: make(map[string]*entry)}
	if err := r.load(); err != nil {
		return nil, err
	}
	registries.m[st] = r
	return r, nil
}

// load reads every stored subscription.
func (g *registry) load() error {
	cursor := ""
	for {
		recs, err := g.st.List(recordKind, "", cursor, 1000)
		if err != nil {
			return fmt.Errorf("loading subscriptions: %w", err)
		}
		for _, rec := range recs {
			var r record
			if err := json.Unmarshal(rec.Value, &r); err != nil {
				return fmt.Errorf("loading subscription %s: %w", rec.Key, err)
			}
			v, err := newView(&r)
			if err != nil {
				return fmt.Errorf("loading subscription %s: %w", rec.Key, err)
			}
			e := &entry{}
			e.cur.Store(v)
			g.subs[r.ID] = e
		}
		if len(recs) < 1000 {
			return nil
		}
		cursor = recs[len(recs)-1].Key
	}
}

// newView compiles a record's filter.
func newView(r *record) (*subView, error) {
	conds, err := compileFilter(r.Filter)
	if err != nil {
		return nil, err
	}
	return &subView{rec: r, conds: conds}, nil
}

// get returns a subscription's current snapshot, or store.ErrNotFound.
func (g *registry) get(id string) (*subView, error) {
	g.mu.RLock()
	e, ok := g.subs[id]
	g.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	return e.cur.Load(), nil
}

// all returns a snapshot of every subscription.
func (g *registry) all() []*subView {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*subView, 0, len(g.subs))
	for _, e := range g.subs {
		out = append(out, e.cur.Load())
	}
	return out
}

// create stores a new subscription.
func (g *registry) create(ctx context.Context, r *record) (*subView, error) {
	v, err := newView(r)
	if err != nil {
		return nil, err
	}
	val, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	if err := g.st.Write(ctx, &store.Batch{Put: []store.Record{{Kind: recordKind, Key: r.ID, Value: val}}}); err != nil {
		return nil, fmt.Errorf("storing subscription %s: %w", r.ID, err)
	}
	e := &entry{}
	e.cur.Store(v)
	g.mu.Lock()
	g.subs[r.ID] = e
	g.mu.Unlock()
	return v, nil
}

// update changes a subscription under its lock: change edits a copy and
// may add to the batch, which is written durably with the new record
// before the change becomes visible. change returns errUnchanged to write
// nothing.
func (g *registry) update(ctx context.Context, id string, change func(r *record, b *store.Batch) error) (*subView, error) {
	g.mu.RLock()
	e, ok := g.subs[id]
	g.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cur := e.cur.Load()
	if cur.rec == nil { // removed while we waited
		return nil, fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	r := cur.rec.clone()
	b := &store.Batch{}
	if err := change(r, b); err != nil {
		if errors.Is(err, errUnchanged) {
			return cur, nil
		}
		return nil, err
	}
	v, err := newView(r)
	if err != nil {
		return nil, err
	}
	val, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	b.Put = append(b.Put, store.Record{Kind: recordKind, Key: id, Value: val})
	if err := g.st.Write(ctx, b); err != nil {
		return nil, fmt.Errorf("storing subscription %s: %w", id, err)
	}
	e.cur.Store(v)
	return v, nil
}

// remove deletes a subscription and drops its queue, queued and dead
// deliveries alike.
func (g *registry) remove(ctx context.Context, id string) error {
	g.mu.RLock()
	e, ok := g.subs[id]
	g.mu.RUnlock()
	if !ok {
		return fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur.Load().rec == nil {
		return fmt.Errorf("subscription %s: %w", id, store.ErrNotFound)
	}
	b := &store.Batch{
		Delete: []store.RecordRef{{Kind: recordKind, Key: id}},
		Drop:   []string{queueOf(id)},
	}
	if err := g.st.Write(ctx, b); err != nil {
		return fmt.Errorf("deleting subscription %s: %w", id, err)
	}
	e.cur.Store(&subView{}) // a removed entry: rec == nil
	g.mu.Lock()
	delete(g.subs, id)
	g.mu.Unlock()
	return nil
}

// statusCounts counts subscriptions by their status as of now; every
// status is present, zero or not.
func (g *registry) statusCounts(now time.Time) map[string]int {
	counts := map[string]int{StatusActive: 0, StatusPaused: 0, StatusDisabled: 0}
	for _, v := range g.all() {
		counts[v.rec.effective(now).Status]++
	}
	return counts
}
