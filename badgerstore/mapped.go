package badgerstore

import (
	"bufio"
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Badger reads and writes its value log, memtable logs and tables through
// shared memory maps, so every page of a backlog it has touched stays in
// the process's resident set until the file is closed: about 1.4 GB of
// RSS with a million 1 KiB events queued. The pages are file data the
// kernel could write back and drop, yet RSS counts them, and so do the
// operators and container limits that read it. The trimmer hands them
// back: when more than mappedBudget of the store's mapped pages are
// resident, it asks the kernel to page the store's mappings out. Later
// reads fault pages back in from disk, mostly the queue's oldest jobs,
// which are read once.
const (
	// mappedBudget is how many bytes of the store's files may stay
	// resident in its memory maps. It holds the active memtable log and
	// the value log's tail comfortably, so an idle or lightly loaded
	// store never trims.
	mappedBudget = 32 << 20
	// trimInterval is how often residency is checked; one check reads
	// /proc/self/maps and asks mincore about the store's mappings.
	trimInterval = time.Second
)

// errTrimUnsupported means this system cannot page out memory maps.
var errTrimUnsupported = errors.New("paging out memory maps is not supported")

// mapping is one address range of a memory-mapped file.
type mapping struct {
	start, end uintptr
	path       string
}

// storeMappings returns the mappings in maps (the text of
// /proc/self/maps) of files directly inside dir, which must be absolute
// and clean.
func storeMappings(maps []byte, dir string) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(maps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		if m, ok := parseMapsLine(sc.Text(), dir); ok {
			out = append(out, m)
		}
	}
	return out
}

// parseMapsLine parses one line of /proc/self/maps ("start-end perms
// offset dev inode path") and reports whether it maps a file directly
// inside dir.
func parseMapsLine(line, dir string) (mapping, bool) {
	// The path is everything after the fifth field and may hold spaces.
	rest := line
	var fields [5]string
	for i := range fields {
		rest = strings.TrimLeft(rest, " ")
		j := strings.IndexByte(rest, ' ')
		if j < 0 {
			return mapping{}, false
		}
		fields[i], rest = rest[:j], rest[j:]
	}
	path := strings.TrimSuffix(strings.TrimLeft(rest, " "), " (deleted)")
	if !strings.HasPrefix(path, "/") || filepath.Dir(path) != dir {
		return mapping{}, false
	}
	lo, hi, ok := strings.Cut(fields[0], "-")
	if !ok {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || end <= start {
		return mapping{}, false
	}
	return mapping{start: uintptr(start), end: uintptr(end), path: path}, true
}

// resolvedDir returns dir as the kernel names it in /proc/self/maps; on
// error it falls back to the absolute path, which at worst trims nothing.
func resolvedDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return filepath.Clean(dir)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	return abs
}
