package badgerstore

import (
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"go.uber.org/zap"
)

// Durability says when a Write counts as done.
type Durability int

const (
	// Fsync makes each Write return only after its data is synced to
	// disk, so an acknowledged write survives a power loss.
	Fsync Durability = iota
	// Process makes each Write return once it is committed to Badger's
	// memory-mapped log: it survives a crash of the process, not of the
	// operating system.
	Process
)

// String returns the name used in the Caddyfile.
func (d Durability) String() string {
	switch d {
	case Fsync:
		return "fsync"
	case Process:
		return "process"
	}
	return "unknown"
}

// Options configures Open.
type Options struct {
	// Dir is the Badger directory; it is created if missing.
	Dir string
	// Durability defaults to Fsync.
	Durability Durability
	// MinFreeBytes is the free disk space below which Writes that add
	// data fail with store.ErrNoSpace; 0 means the default (room for the
	// value-log files and memtables Badger maps ahead of its data).
	MinFreeBytes uint64
	// Logger receives Badger's own log (Info as Debug, Warning as Warn,
	// Error as Error). Nil discards it.
	Logger *zap.Logger
	// GCInterval is the period of value-log garbage collection; zero
	// means 5 minutes.
	GCInterval time.Duration
}

// defaultGCInterval is used when Options.GCInterval is zero.
const defaultGCInterval = 5 * time.Minute

// Sizes chosen for a sidecar: Badger's defaults (64 MB memtables × 5,
// 256 MB block cache, 1 GB value-log files) cost about 500 MB of RSS, far
// more than a webhook queue needs.
const (
	// memTableSize bounds each memtable. It also bounds one transaction
	// (15% of it, about 2.4 MB), which a group of 512 enqueues of 1 KiB
	// payloads (about 0.6 MB) fits comfortably.
	memTableSize = 16 << 20
	// numMemtables is one mutable memtable plus two waiting for flush:
	// with two, a burst stalls writes while the only immutable table
	// flushes.
	numMemtables = 3
	// blockCacheSize caches decompressed blocks. Queue reads are mostly
	// of recently written keys, still in memtables, so a small cache is
	// enough.
	blockCacheSize = 8 << 20
	// indexCacheSize is 0: Badger uses an index cache only for encrypted
	// tables (it reads indexes of plain tables from their memory map), so
	// a cache would only cost its own bookkeeping.
	indexCacheSize = 0
	// baseTableSize is the size of SSTables, and tableSizeMultiplier 1
	// keeps it at every level. A compaction builds its output tables in
	// memory, several at once (with 2 MB tables doubling per level,
	// Badger's default multiplier, table builders were the largest heap
	// user in a profile taken while filling a 1,000,000-event backlog), so
	// table size sets its peak heap. Ingest throughput was the same either
	// way (go run ./bench -only ingest).
	baseTableSize       = 1 << 20
	tableSizeMultiplier = 1
	// valueLogFileSize keeps each value-log file small so value-log GC
	// can reclaim space file by file.
	valueLogFileSize = 64 << 20
	// valueThreshold sends values of 512 bytes and more (encoded jobs of
	// typical webhook payloads) to the value log and keeps small values
	// (claims, counters, the id index, most records) in the LSM tree.
	// Measured with 400,000 enqueues of 1 KiB payloads: with payloads in
	// the LSM tree (threshold 4 KiB), compactions of a backlog build
	// tables in memory and anonymous RSS peaked at about 780 MB; with
	// payloads in the value log it stayed near 100 MB (the value log is
	// memory-mapped, so its pages show as reclaimable file RSS). The
	// price is value-log garbage from done jobs, which runGC collects,
	// and about 25% less group-commit throughput (two files to sync),
	// still above 20,000 fsync'd enqueues per second.
	valueThreshold = 512
	// numCompactors is the minimum Badger accepts (besides zero).
	numCompactors = 2
)

// badgerOptions translates Options into Badger's options.
func (o Options) badgerOptions(log *zap.Logger) badger.Options {
	opts := badger.DefaultOptions(o.Dir)
	opts.TableSizeMultiplier = tableSizeMultiplier // no With method
	return opts.
		// Badger syncs its value log and memtable log on each commit.
		// (Syncing from the writer with db.Sync instead would leave a gap:
		// it syncs only the active memtable's log, not one rotated out but
		// not yet flushed.)
		WithSyncWrites(o.Durability == Fsync).
		WithLogger(badgerLogger{l: log}).
		WithMemTableSize(memTableSize).
		WithNumMemtables(numMemtables).
		WithBlockCacheSize(blockCacheSize).
		WithIndexCacheSize(indexCacheSize).
		WithBaseTableSize(baseTableSize).
		WithValueLogFileSize(valueLogFileSize).
		WithValueThreshold(valueThreshold).
		WithNumCompactors(numCompactors).
		// Tables hold keys and value pointers only (payloads are in
		// the value log), which compress little, and compression
		// doubles a table builder's buffers.
		WithCompression(options.None).
		// Only the writer goroutine writes, so transactions never
		// conflict; tracking read and write sets would only cost memory.
		WithDetectConflicts(false).
		// Badger's expvar metrics are not exported anywhere by hookgate.
		WithMetricsEnabled(false)
}
