package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hookgate/hookgate/store"
)

// Record kinds of sequence tracking. The high-water mark is keyed by
// receiver name, a gap by receiver name, "/" and its first number padded to
// 20 digits, so a receiver's gaps list in order.
const (
	kindSeqHigh = "receiver_seq"
	kindGap     = "receiver_gap"
)

// Gap is a run of sequence numbers, From to To inclusive, that a receiver has
// not seen although it has seen a later one.
type Gap struct {
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
	// Missing is how many numbers the run holds.
	Missing uint64 `json:"missing"`
	// DetectedAt is when the later number arrived.
	DetectedAt time.Time `json:"detected_at"`
}

// sequencer tracks a receiver's sequence numbers. The first number it ever
// sees is the baseline; a number more than one above the highest seen opens
// a gap; a number that falls inside a gap closes that part of it. Changes
// are written in the same batch as the event, so they are exactly as
// durable.
type sequencer struct {
	store   store.Store
	name    string
	pointer Pointer
	state   *seqState
}

// seqState is the in-memory mirror of a receiver's sequence records. It is
// shared by every sequencer of the same store and receiver name, because
// during a config reload the old and the new receiver both write.
type seqState struct {
	lock   chan struct{} // a one-slot lock that a waiter can give up on
	loaded bool
	seen   bool
	high   uint64
	gaps   []Gap // sorted by From
}

type seqKey struct {
	store store.Store
	name  string
}

var seqStates = struct {
	sync.Mutex
	m map[seqKey]*seqState
}{m: make(map[seqKey]*seqState)}

// newSequencer returns the sequencer of a receiver.
func newSequencer(st store.Store, name string, p Pointer) *sequencer {
	seqStates.Lock()
	defer seqStates.Unlock()
	k := seqKey{st, name}
	s, ok := seqStates.m[k]
	if !ok {
		s = &seqState{lock: make(chan struct{}, 1)}
		seqStates.m[k] = s
	}
	return &sequencer{store: st, name: name, pointer: p, state: s}
}

// number reads the event's sequence number: a non-negative integer, as a JSON
// number or a string of digits.
func (s *sequencer) number(ev *incoming) (uint64, error) {
	v, err := ev.value(s.pointer, "sequence number")
	if err != nil {
		return 0, err
	}
	var text string
	switch x := v.(type) {
	case json.Number:
		text = x.String()
	case string:
		text = x
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, badRequest("the sequence number " + s.pointer.String() + " is not a non-negative integer")
	}
	return n, nil
}

// acquire takes the state's lock, giving up when ctx ends.
func (s *sequencer) acquire(ctx context.Context) error {
	select {
	case s.state.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release gives the lock back.
func (s *sequencer) release() { <-s.state.lock }

// load reads the state from the store once. The lock must be held.
func (s *sequencer) load() error {
	st := s.state
	if st.loaded {
		return nil
	}
	high, err := s.store.Get(kindSeqHigh, s.name)
	switch {
	case err == nil:
		n, perr := strconv.ParseUint(string(high), 10, 64)
		if perr != nil {
			return fmt.Errorf("sequence record of %s is corrupt: %w", s.name, perr)
		}
		st.seen, st.high = true, n
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("reading sequence record of %s: %w", s.name, err)
	}
	gaps, err := s.list()
	if err != nil {
		return err
	}
	st.gaps = gaps
	st.loaded = true
	return nil
}

// list reads the receiver's gaps from the store.
func (s *sequencer) list() ([]Gap, error) {
	recs, err := s.store.List(kindGap, s.name+"/", "", 0)
	if err != nil {
		return nil, fmt.Errorf("listing sequence gaps of %s: %w", s.name, err)
	}
	gaps := make([]Gap, 0, len(recs))
	for _, rec := range recs {
		var g Gap
		if err := json.Unmarshal(rec.Value, &g); err != nil {
			return nil, fmt.Errorf("sequence gap %s of %s is corrupt: %w", rec.Key, s.name, err)
		}
		gaps = append(gaps, g)
	}
	return gaps, nil
}

// seqPlan is what one sequence number changes: records to add to the
// event's batch and the state to adopt once that batch is written.
type seqPlan struct {
	put     []store.Record
	del     []store.RecordRef
	seen    bool
	high    uint64
	gaps    []Gap
	newGaps []Gap
}

// plan works out the changes n makes. The lock must be held and the state
// loaded.
func (s *sequencer) plan(n uint64, now time.Time) seqPlan {
	st := s.state
	p := seqPlan{seen: true, high: st.high, gaps: st.gaps}
	switch {
	case !st.seen:
		p.high = n
	case n > st.high:
		if n > st.high+1 {
			g := Gap{From: st.high + 1, To: n - 1, Missing: n - 1 - st.high, DetectedAt: now.UTC()}
			p.put = append(p.put, s.gapRecord(g))
			p.gaps = append(slices.Clone(st.gaps), g)
			p.newGaps = []Gap{g}
		}
		p.high = n
	default:
		i, found := slices.BinarySearchFunc(st.gaps, n, func(g Gap, n uint64) int {
			switch {
			case g.To < n:
				return -1
			case g.From > n:
				return 1
			}
			return 0
		})
		if !found {
			return p // a repeat, or below the baseline: nothing changes
		}
		g := st.gaps[i]
		var parts []Gap
		if g.From < n {
			parts = append(parts, Gap{From: g.From, To: n - 1, Missing: n - g.From, DetectedAt: g.DetectedAt})
		} else {
			p.del = append(p.del, store.RecordRef{Kind: kindGap, Key: s.gapKey(g.From)})
		}
		if n < g.To {
			parts = append(parts, Gap{From: n + 1, To: g.To, Missing: g.To - n, DetectedAt: g.DetectedAt})
		}
		for _, part := range parts {
			p.put = append(p.put, s.gapRecord(part))
		}
		p.gaps = slices.Concat(st.gaps[:i], parts, st.gaps[i+1:])
		return p
	}
	p.put = append(p.put, store.Record{Kind: kindSeqHigh, Key: s.name, Value: []byte(strconv.FormatUint(p.high, 10))})
	return p
}

// apply adopts a plan whose batch was written. The lock must be held.
func (s *sequencer) apply(p seqPlan) {
	s.state.seen, s.state.high, s.state.gaps = p.seen, p.high, p.gaps
}

// gapKey is the record key of the gap starting at from.
func (s *sequencer) gapKey(from uint64) string {
	return fmt.Sprintf("%s/%020d", s.name, from)
}

// gapRecord is the record of g.
func (s *sequencer) gapRecord(g Gap) store.Record {
	b, _ := json.Marshal(g) // a Gap always marshals
	return store.Record{Kind: kindGap, Key: s.gapKey(g.From), Value: b}
}

// Gaps lists the runs of sequence numbers the receiver has not seen, lowest
// first. It is empty for a receiver without `sequence`.
func (r *Receiver) Gaps() ([]Gap, error) {
	if r.seq == nil {
		return []Gap{}, nil
	}
	return r.seq.list()
}
