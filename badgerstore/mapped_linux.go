package badgerstore

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing the dirty pages of the
// mapped files to disk, without waiting. MADV_PAGEOUT skips dirty pages, and
// with durability process nothing else syncs them until the kernel's own
// writeback, up to half a minute later; once written, the next trim pages
// them out.
func startWriteback(ms []mapping) {
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if seen[m.path] {
			continue
		}
		seen[m.path] = true
		f, err := os.Open(m.path)
		if err != nil {
			continue // deleted since: nothing to write
		}
		_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
		f.Close()
	}
}

// fileResident returns the process's file-backed resident bytes (with
// shared memory), from /proc/self/statm.
func fileResident() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return 0, fmt.Errorf("/proc/self/statm: %q has no shared field", b)
	}
	pages, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/statm: %w", err)
	}
	return pages * int64(os.Getpagesize()), nil
}

// trimMapped pages out the store's log mappings when more than logBudget
// bytes of them are resident in this process, and its table mappings when
// more than tableBudget are. It returns the resident bytes it found and
// whether it paged anything out. Residency comes from /proc/self/smaps,
// which counts the pages mapped into the process (what RSS counts), not
// the page cache, which also holds the kernel's readahead. MADV_PAGEOUT
// (Linux 5.4) never discards data: it drops clean pages and leaves dirty
// ones, and a range that was unmapped and reused since smaps was read is
// at worst paged out too, so the race with Badger closing a file is
// harmless.
func (s *Store) trimMapped(logBudget, tableBudget int64) (int64, bool, error) {
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, false, err
	}
	var logs, tables []mapping
	var logBytes, tableBytes int64
	for _, m := range storeMappings(smaps, s.absDir) {
		if isTable(m.path) {
			tables, tableBytes = append(tables, m), tableBytes+m.resident
		} else {
			logs, logBytes = append(logs, m), logBytes+m.resident
		}
	}
	var out []mapping
	if logBytes > logBudget {
		out = append(out, logs...)
	}
	if tableBytes > tableBudget {
		out = append(out, tables...)
	}
	if len(out) == 0 {
		return logBytes + tableBytes, false, nil
	}
	if s.durability == Process {
		startWriteback(out)
	}
	for _, m := range out {
		if m.resident == 0 {
			continue
		}
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_PAGEOUT)
		switch {
		case errno == 0, errno == unix.ENOMEM: // ENOMEM: unmapped meanwhile
		case errno == unix.EINVAL:
			return logBytes + tableBytes, false, fmt.Errorf("%w: madvise MADV_PAGEOUT needs Linux 5.4", errTrimUnsupported)
		default:
			return logBytes + tableBytes, false, errno
		}
	}
	return logBytes + tableBytes, true, nil
}
