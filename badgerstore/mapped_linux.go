package badgerstore

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pageSize is the unit of mincore's answer.
var pageSize = uintptr(os.Getpagesize())

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

// trimMapped pages the store's mappings out when more than budget bytes
// of them are resident. It returns the resident bytes it found and
// whether it paged out. MADV_PAGEOUT (Linux 5.4) never discards data: it
// drops clean pages and leaves dirty ones, and a range that was unmapped and
// reused since /proc/self/maps was read is at worst paged out too, so the
// race with Badger closing a file is harmless.
func (s *Store) trimMapped(budget int64) (int64, bool, error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, false, err
	}
	ms := storeMappings(maps, s.absDir)
	var resident int64
	var vec []byte
	for _, m := range ms {
		n := int((m.end - m.start + pageSize - 1) / pageSize)
		if cap(vec) < n {
			vec = make([]byte, n)
		}
		vec = vec[:n]
		_, _, errno := unix.Syscall(unix.SYS_MINCORE, m.start, m.end-m.start, uintptr(unsafe.Pointer(&vec[0])))
		if errno != 0 {
			continue // unmapped since maps was read
		}
		for _, v := range vec {
			resident += int64(v & 1)
		}
	}
	resident *= int64(pageSize)
	if resident <= budget {
		return resident, false, nil
	}
	if s.durability == Process {
		startWriteback(ms)
	}
	for _, m := range ms {
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_PAGEOUT)
		switch {
		case errno == 0, errno == unix.ENOMEM: // ENOMEM: unmapped meanwhile
		case errno == unix.EINVAL:
			return resident, false, fmt.Errorf("%w: madvise MADV_PAGEOUT needs Linux 5.4", errTrimUnsupported)
		default:
			return resident, false, errno
		}
	}
	return resident, true, nil
}
