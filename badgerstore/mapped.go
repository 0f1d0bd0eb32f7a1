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
// the process's resident set until the file is closed: 1.6 GB of RSS
// with a million 1 KiB events queued (go run ./bench -mode full, before
// this trimmer). The pages are file data the
// kernel could write back and drop, yet RSS counts them, and so do the
// operators and container limits that read it. The trimmer hands them
// back: when more of the store's mapped pages are resident than a budget
// allows, it asks the kernel to page those mappings out. Later
// reads fault pages back in from disk, mostly the queue's oldest jobs,
// which are read once.
const (
	// logBudget is how many bytes of the value log and memtable logs may
	// stay resident in the store's maps. Their pages are read about once
	// (a payload when its job is leased), so paging them out costs
	// little; 32 MB holds the logs' active tails comfortably, so an idle
	// or lightly loaded store never trims.
	logBudget = 32 << 20
	// tableBudget is the same for SSTables. Their index and bloom-filter
	// blocks are read on every lookup, and paging them out made a drain
	// of 1,000,000 queued events wait on disk reads, so tables are paged
	// out only when they alone exceed this larger budget.
	tableBudget = 64 << 20
	// trimInterval is how often residency is checked.
	trimInterval = time.Second
	// trimRecheck is how much the process's file-backed RSS must grow
	// before the store's own mappings are measured again.
	trimRecheck = 8 << 20
)

// isTable reports whether path is one of Badger's SSTables.
func isTable(path string) bool { return strings.HasSuffix(path, ".sst") }

// errTrimUnsupported means this system cannot page out memory maps.
var errTrimUnsupported = errors.New("paging out memory maps is not supported")

// mapping is one address range of a memory-mapped file.
type mapping struct {
	start, end uintptr
	path       string
	// resident is how many bytes of it are mapped in (smaps' Rss).
	resident int64
}

// storeMappings returns the mappings in smaps (the text of
// /proc/self/smaps) of files directly inside dir, which must be absolute
// and clean, each with the bytes of it resident in the process.
func storeMappings(smaps []byte, dir string) []mapping {
	var (
		out  []mapping
		ours bool
	)
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		// A mapping's header starts with its address range in
		// lowercase hex; its fields ("Rss:   12 kB") start upper case.
		if c := line[0]; c >= '0' && c <= '9' || c >= 'a' && c <= 'f' {
			var m mapping
			m, ours = parseMapsLine(line, dir)
			if ours {
				out = append(out, m)
			}
			continue
		}
		if ours && strings.HasPrefix(line, "Rss:") {
			f := strings.Fields(line[len("Rss:"):])
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
					out[len(out)-1].resident += kb << 10
				}
			}
		}
	}
	return out
}

// parseMapsLine parses one mapping line of /proc/self/maps or smaps
// ("start-end perms offset dev inode path") and reports whether it maps a file directly
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
