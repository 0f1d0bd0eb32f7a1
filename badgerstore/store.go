package badgerstore

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

var _ store.Store = (*Store)(nil)

// Store implements store.Store on an embedded Badger database.
type Store struct {
	db  *badger.DB
	dir string
	// absDir is dir as /proc/self/maps names it: absolute, clean and
	// with symlinks resolved.
	absDir string
	// trimOff is set once trimming failed; trimLooked and trimFileRSS
	// record the file-backed RSS when the store's mappings were last
	// measured. Only the maintenance goroutine touches them.
	trimOff     bool
	trimLooked  bool
	trimFileRSS int64
	// writes counts the requests the writer has committed (or refused);
	// quiet tracks how long the count has stood still (see quiet.go).
	writes atomic.Uint64
	quiet  quietState
	log    *zap.Logger
	reqs   chan *request
	// durability is fixed when the database opens (Badger's SyncWrites).
	durability Durability

	// closeMu is held for reading by every operation that touches the
	// database and for writing by Close, so Close waits for operations
	// in flight and later ones see closed.
	closeMu sync.RWMutex
	closed  atomic.Bool

	queues queueSet
	space  spaceGuard

	writerDone chan struct{}
	gcStop     chan struct{}
	gcDone     chan struct{}
	closeOnce  sync.Once
	closeErr   error
}

// Open opens (or creates) the store in opts.Dir and starts its writer and
// value-log GC goroutines.
func Open(opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, fmt.Errorf("badgerstore: open: no directory")
	}
	if opts.Durability != Fsync && opts.Durability != Process {
		return nil, fmt.Errorf("badgerstore: open %s: unknown durability %d", opts.Dir, opts.Durability)
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	gcInterval := opts.GCInterval
	if gcInterval <= 0 {
		gcInterval = defaultGCInterval
	}
	db, err := badger.Open(opts.badgerOptions(log.Named("badger")))
	if err != nil {
		return nil, fmt.Errorf("badgerstore: open %s: %w", opts.Dir, err)
	}
	s := &Store{
		db:         db,
		dir:        opts.Dir,
		log:        log,
		reqs:       make(chan *request, requestQueueLen),
		queues:     queueSet{m: make(map[string]*queueState)},
		writerDone: make(chan struct{}),
		gcStop:     make(chan struct{}),
		gcDone:     make(chan struct{}),
	}
	s.durability = opts.Durability
	s.absDir = resolvedDir(opts.Dir)
	s.space = spaceGuard{dir: opts.Dir, minFree: opts.MinFreeBytes}
	if s.space.minFree == 0 {
		s.space.minFree = minFreeBytes
	}
	start := time.Now()
	if err := loadDepths(db, &s.queues); err != nil {
		err = fmt.Errorf("badgerstore: open %s: counting queued jobs: %w", opts.Dir, err)
		if cerr := db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("badgerstore: close %s: %w", opts.Dir, cerr))
		}
		return nil, err
	}
	log.Debug("badgerstore: counted queued jobs", zap.String("dir", opts.Dir),
		zap.Int("queues", len(s.queues.m)), zap.Duration("took", time.Since(start)))
	go s.runWriter()
	go s.runMaintenance(gcInterval)
	return s, nil
}

// DB returns the underlying Badger database. It exists for the benchmark
// baseline and for tests; writing to it bypasses the store's bookkeeping.
func (s *Store) DB() *badger.DB { return s.db }

// KeyCount counts every key in the database, of every kind. Tests use it to
// prove that a rejected request stored nothing at all.
func (s *Store) KeyCount() (int, error) {
	n := 0
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// enter guards an operation against a concurrent Close. It returns
// store.ErrClosed once the store is closed; otherwise the caller must call
// s.closeMu.RUnlock when done.
func (s *Store) enter() error {
	s.closeMu.RLock()
	if s.closed.Load() {
		s.closeMu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// Close stops accepting writes, lets the writes already queued finish,
// stops value-log GC and closes the database. Calling it again returns the
// first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		// Taking the write lock waits for every Write and read in
		// flight; the writer keeps running meanwhile, so those Writes
		// get their real answers.
		s.closeMu.Lock()
		s.closed.Store(true)
		s.closeMu.Unlock()
		close(s.reqs)
		<-s.writerDone
		close(s.gcStop)
		<-s.gcDone
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("badgerstore: close %s: %w", s.dir, err)
		}
	})
	return s.closeErr
}

// Durability returns the durability the database was opened with. It is
// fixed until the database closes: a config reload that shares the open
// database cannot change it.
func (s *Store) Durability() Durability {
	return s.durability
}
