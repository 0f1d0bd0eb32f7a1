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

// runGC collects value-log garbage every interval until Close.
func (s *Store) runGC(interval time.Duration) {
	defer close(s.gcDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.gcStop:
			return
		case <-t.C:
			s.collectGarbage()
		}
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
