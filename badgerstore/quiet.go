package badgerstore

import (
	"runtime/debug"
	"time"

	"go.uber.org/zap"
)

// When the store has written nothing for a while, the gateway is idle:
// nothing is arriving and nothing is being delivered (every attempt writes
// its outcome). A burst leaves memory behind that nothing else would hand
// back for minutes. Badger's memtable arenas and table builders are Go
// heap, and the heap goal stays at twice the burst's live heap until the
// runtime's two-minute forced GC; the store's mapped pages stay within the
// trimmer's budgets. With 100,000 outbound deliveries on retry timers this
// held RSS at 194–286 MB (go run ./bench -only idlecpu -mode full) against
// a live heap of about 75 MB. So at quietSteps of quiet the maintenance
// goroutine pages out every store mapping and returns the free heap to the
// OS. The second step catches what Badger's allocator pool frees, one
// buffer every two seconds after its last use.
var quietSteps = []time.Duration{5 * time.Second, 30 * time.Second}

// quietMinWrites is how many writes must have been committed since the
// last quiet steps for new ones to run. The heap belongs to the whole
// Caddy process: a forced collection is worth its cost after a burst, not
// after each webhook that trickles in beside other busy sites.
var quietMinWrites uint64 = 1000

// quietState belongs to the maintenance goroutine.
type quietState struct {
	writes  uint64    // the write count at the last look
	since   time.Time // when it last changed
	done    int       // how many quietSteps ran (or were skipped) since
	trimmed uint64    // the write count when the last series of steps ended
}

// due records the count of committed writes seen at now and reports
// whether a quiet step should run.
func (q *quietState) due(writes uint64, now time.Time) bool {
	if writes != q.writes || q.since.IsZero() {
		q.writes, q.since, q.done = writes, now, 0
		return false
	}
	if q.done == len(quietSteps) || now.Sub(q.since) < quietSteps[q.done] {
		return false
	}
	q.done++
	run := writes-q.trimmed >= quietMinWrites
	if run && q.done == len(quietSteps) {
		q.trimmed = writes
	}
	return run
}

// trimWhenQuiet runs a quiet step when one is due; the caller has checked
// that trimming works here.
func (s *Store) trimWhenQuiet(now time.Time) {
	if !s.quiet.due(s.writes.Load(), now) {
		return
	}
	resident, _, err := s.trimMapped(0, 0)
	if err != nil {
		s.log.Debug("badgerstore: paging out store maps while quiet", zap.String("dir", s.dir), zap.Error(err))
	}
	if s.trimFileRSS, err = fileResident(); err != nil {
		s.trimLooked = false
	}
	// FreeOSMemory runs a full collection and releases every free page:
	// tens of milliseconds of CPU once per quiet step.
	debug.FreeOSMemory()
	s.log.Debug("badgerstore: quiet; handed memory back to the OS",
		zap.String("dir", s.dir), zap.Int64("store_resident_bytes", resident))
}
