package store

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

var idClock struct {
	sync.Mutex
	last uint64
}

// NewID returns a 26-character hex identifier that sorts by creation
// time within this process: 16 hex digits of a strictly increasing
// nanosecond clock followed by 10 random hex digits.
func NewID() string {
	idClock.Lock()
	n := uint64(time.Now().UnixNano())
	if n <= idClock.last {
		n = idClock.last + 1
	}
	idClock.last = n
	idClock.Unlock()

	var b [13]byte
	binary.BigEndian.PutUint64(b[:8], n)
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}
