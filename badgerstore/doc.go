// Package badgerstore implements store.Store on an embedded Badger database.
//
// All writes go through one writer goroutine that commits whatever Write
// calls are waiting as one Badger transaction (group commit), so a burst of
// webhooks costs one fsync instead of one per webhook. Leases, per-queue
// cursors and queue depths live in memory and are rebuilt at Open.
//
// Key layout (every key starts with a one-byte tag and a NUL):
//
//	d\x00<scope>\x00<key>                 dedupe claim, empty value, Badger TTL
//	c\x00<key>                            counter, uint64 big-endian
//	r\x00<kind>\x00<key>                  record value, optional Badger TTL
//	q\x00<queue>\x00<readyAt><id>         ready index: encoded job (see codec.go)
//	x\x00<queue>\x00<id>                  id index: readyAt of the job's q key
//	z\x00<queue>\x00<id>                  dead letter: encoded job
//
// readyAt is the job's ReadyAt in Unix nanoseconds, 8 bytes big-endian, so
// the q keys of a queue sort by ready time and then by ID. Queue names,
// record kinds and claim scopes must therefore not contain a NUL byte.
package badgerstore
