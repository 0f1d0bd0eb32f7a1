package badgerstore

import (
	"errors"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// gcDiscardRatio makes value-log GC rewrite a file once half of it is
// garbage.
const gcDiscardRatio = 0.5

// runMaintenance collects value-log garbage every interval and trims the
// store's resident mapped pages every trimInterval until Close.
func (s *Store) runMaintenance(interval time.Duration) {
	defer close(s.gcDone)
	gc := time.NewTicker(interval)
	defer gc.Stop()
	trim := time.NewTicker(trimInterval)
	defer trim.Stop()
	for {
		select {
		case <-s.gcStop:
			return
		case <-gc.C:
			s.collectGarbage()
		case <-trim.C:
			s.trim()
		}
	}
}

// trim runs trimMapped and logs what it did; after an error it stops
// trying, since the cause (an old kernel, no /proc) will not go away.
func (s *Store) trim() {
	if s.trimOff {
		return
	}
	s.trimWhenQuiet(time.Now())
	// Reading smaps walks every mapping's page tables (milliseconds in a
	// large process); statm's count of file-backed resident pages costs
	// next to nothing. Until that count has grown by trimRecheck since
	// the last look, the store's mappings cannot have crossed a budget
	// they were under then.
	fileRSS, err := fileResident()
	if err == nil && s.trimLooked && fileRSS < s.trimFileRSS+trimRecheck {
		s.trimFileRSS = min(s.trimFileRSS, fileRSS) // the kernel reclaimed some
		return
	}
	resident, trimmed := int64(0), false
	if err == nil {
		resident, trimmed, err = s.trimMapped(logBudget, tableBudget)
	}
	if err == nil {
		s.trimLooked = true
		s.trimFileRSS, err = fileResident() // after paging out: the new floor
	}
	if err != nil {
		s.trimOff = true
		if errors.Is(err, errTrimUnsupported) {
			s.log.Info("badgerstore: the store's memory-mapped pages stay in RSS until the kernel reclaims them",
				zap.String("dir", s.dir), zap.Error(err))
			return
		}
		s.log.Warn("badgerstore: cannot page out the store's memory maps; its files' pages stay in RSS",
			zap.String("dir", s.dir), zap.Error(err))
		return
	}
	if trimmed {
		s.log.Debug("badgerstore: paged out memory-mapped store files",
			zap.String("dir", s.dir), zap.Int64("resident_bytes", resident))
	}
}

// collectGarbage rewrites value-log files while Badger finds one worth
// rewriting. Errors cannot be returned to anyone, so they are logged;
// ErrNoRewrite is the normal end of a round.
func (s *Store) collectGarbage() {
	for {
		select {
		case <-s.gcStop:
			return
		default:
		}
		err := s.db.RunValueLogGC(gcDiscardRatio)
		switch {
		case err == nil:
			continue
		case errors.Is(err, badger.ErrNoRewrite):
		case errors.Is(err, badger.ErrRejected):
			s.log.Debug("badgerstore: value-log gc rejected", zap.Error(err))
		default:
			s.log.Warn("badgerstore: value-log gc", zap.String("dir", s.dir), zap.Error(err))
		}
		return
	}
}
