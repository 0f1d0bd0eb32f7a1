package badgerstore

import (
	"encoding/binary"
	"time"
)

// Key tags. Each names one key space; see the package documentation.
const (
	tagClaim   = 'd'
	tagCounter = 'c'
	tagRecord  = 'r'
	tagReady   = 'q'
	tagID      = 'x'
	tagDead    = 'z'
	tagBlob    = 'b'
	tagRefs    = 'n'
)

// readyAtLen is the length of the big-endian ready time inside a q key.
const readyAtLen = 8

// key2 builds tag NUL a.
func key2(tag byte, a string) []byte {
	k := make([]byte, 0, 2+len(a))
	k = append(k, tag, 0)
	return append(k, a...)
}

// key3 builds tag NUL a NUL b.
func key3(tag byte, a, b string) []byte {
	k := make([]byte, 0, 3+len(a)+len(b))
	k = append(k, tag, 0)
	k = append(k, a...)
	k = append(k, 0)
	return append(k, b...)
}

func claimKey(scope, key string) []byte { return key3(tagClaim, scope, key) }

func counterKey(key string) []byte { return key2(tagCounter, key) }

func recordKey(kind, key string) []byte { return key3(tagRecord, kind, key) }

// queuePrefix returns tag NUL queue NUL: the prefix of all keys of one
// queue in the q, x or z key space.
func queuePrefix(tag byte, queue string) []byte { return key3(tag, queue, "") }

func idKey(queue, id string) []byte { return key3(tagID, queue, id) }

func deadKey(queue, id string) []byte { return key3(tagDead, queue, id) }

func blobKey(key string) []byte { return key2(tagBlob, key) }

// refsKey holds how many queued or dead jobs name a blob.
func refsKey(key string) []byte { return key2(tagRefs, key) }

// readyKey builds the q key of a job.
func readyKey(queue string, readyAt uint64, id string) []byte {
	k := make([]byte, 0, 3+len(queue)+readyAtLen+len(id))
	k = append(k, tagReady, 0)
	k = append(k, queue...)
	k = append(k, 0)
	k = binary.BigEndian.AppendUint64(k, readyAt)
	return append(k, id...)
}

// splitReady splits a q key whose queue prefix is prefixLen bytes long into
// its ready time and ID. ok is false for a malformed key.
func splitReady(key []byte, prefixLen int) (readyAt uint64, id []byte, ok bool) {
	if len(key) < prefixLen+readyAtLen {
		return 0, nil, false
	}
	return binary.BigEndian.Uint64(key[prefixLen:]), key[prefixLen+readyAtLen:], true
}

// readyNanos converts a ready time to the unsigned form used in keys. Times
// before 1970 (including the zero time) become 0, which means "ready now".
func readyNanos(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// successor returns the smallest key greater than k, used to move a cursor
// just past a key without knowing what follows it.
func successor(k []byte) []byte {
	s := make([]byte, len(k)+1)
	copy(s, k)
	return s
}

// encodeUint64 returns v as 8 bytes big-endian.
func encodeUint64(v uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), v)
}
