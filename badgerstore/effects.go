package badgerstore

import "bytes"

// queueEffect is what one transaction changes in a queue's in-memory
// state. It is applied only after the transaction commits, so a failed
// commit leaves cursors, leases and depths as they were.
type queueEffect struct {
	depth int64
	// low is the lowest q key the transaction wrote, nil if none; the
	// queue's cursor must come down to it.
	low []byte
	// release lists IDs whose leases end.
	release []string
	// notify is set when a job became ready (enqueued, rescheduled,
	// exhumed).
	notify bool
}

// effects collects the queueEffects of one transaction.
type effects struct {
	m    map[string]*queueEffect
	free []*queueEffect
}

// queue returns the effect on a queue, creating it if needed.
func (fx *effects) queue(name string) *queueEffect {
	if fx.m == nil {
		fx.m = make(map[string]*queueEffect)
	}
	e := fx.m[name]
	if e == nil {
		if n := len(fx.free); n > 0 {
			e, fx.free = fx.free[n-1], fx.free[:n-1]
		} else {
			e = new(queueEffect)
		}
		fx.m[name] = e
	}
	return e
}

// inserted records that key, a q key of the queue, was written.
func (fx *effects) inserted(queue string, key []byte) {
	e := fx.queue(queue)
	if e.low == nil || bytes.Compare(key, e.low) < 0 {
		e.low = key
	}
	e.notify = true
}

// released records that the lease of a job ends.
func (fx *effects) released(queue, id string) {
	e := fx.queue(queue)
	e.release = append(e.release, id)
}

// reset forgets everything, keeping allocations for the next transaction.
func (fx *effects) reset() {
	for name, e := range fx.m {
		*e = queueEffect{release: e.release[:0]}
		fx.free = append(fx.free, e)
		delete(fx.m, name)
	}
}

// applyEffects makes the committed effects visible: depths, leases, cursors and
// notifications, in that order, so a woken dispatcher finds the job.
func (s *Store) applyEffects(fx *effects) {
	for name, e := range fx.m {
		q := s.queues.get(name)
		q.depth.Add(e.depth)
		if len(e.release) > 0 || e.low != nil {
			q.mu.Lock()
			for _, id := range e.release {
				delete(q.leased, id)
			}
			if e.low != nil {
				q.lowerCursor(e.low)
			}
			q.mu.Unlock()
		}
		if e.notify {
			q.signal()
		}
	}
}
