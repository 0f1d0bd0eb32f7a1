package badgerstore

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hookgate/hookgate/store"
)

// minFreeBytes is the free space below which Writes that add data are
// refused. Badger writes its value log and memtable logs through memory
// maps of files it extends ahead of the data; on a full disk a write into
// such a page raises SIGBUS and kills Caddy instead of returning an error.
// Keeping room for a whole value-log file pair and every memtable turns a
// full disk into ErrNoSpace (the receiver answers 503) well before that.
const minFreeBytes = 2*valueLogFileSize + numMemtables*memTableSize + 16<<20

// spaceCheckEvery bounds how stale the free-space reading may be.
const spaceCheckEvery = 100 * time.Millisecond

// spaceGuard caches statfs readings of the store's directory.
type spaceGuard struct {
	dir     string
	minFree uint64

	mu      sync.Mutex
	checked time.Time
	free    uint64
	err     error
}

// check returns store.ErrNoSpace (wrapped) when the directory's file system
// has less than minFree bytes available.
func (g *spaceGuard) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.Sub(g.checked) >= spaceCheckEvery {
		var st unix.Statfs_t
		g.err = unix.Statfs(g.dir, &st)
		g.free = st.Bavail * uint64(st.Bsize)
		g.checked = now
	}
	if g.err != nil {
		return fmt.Errorf("badgerstore: free space of %s: %w", g.dir, g.err)
	}
	if g.free < g.minFree {
		return fmt.Errorf("badgerstore: %s has %d MiB free, needs %d MiB: %w",
			g.dir, g.free>>20, g.minFree>>20, store.ErrNoSpace)
	}
	return nil
}

// addsData reports whether a batch writes new data (as opposed to only
// removing or moving jobs), which is what a full disk must refuse.
func addsData(b *store.Batch) bool {
	return len(b.Enqueue) > 0 || len(b.Put) > 0 || len(b.Claims) > 0 || len(b.Exhume) > 0
}
