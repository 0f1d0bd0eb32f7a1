// Package store defines the durable storage hookgate needs, at the level of
// webhooks rather than of a key-value engine: dedupe claims, a queue of jobs
// with ready-times, gapless counters and small records. Package badgerstore
// implements it on an embedded Badger; a distributed engine (NATS JetStream
// is planned) can replace it without touching receiver/ or outbound/.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrDuplicate is returned by Write when one of the batch's dedupe claims is
// already held; nothing of the batch was written.
var ErrDuplicate = errors.New("duplicate")

// ErrNotFound is returned when a record, job or dead letter does not exist.
var ErrNotFound = errors.New("not found")

// ErrClosed is returned once the store has been closed.
var ErrClosed = errors.New("store closed")

// Job is one unit of work in a queue: an inbound event to forward to the app,
// or one delivery of an outbound event to one subscription.
type Job struct {
	// Queue names the queue. Each target (a receiver's app, a subscription)
	// has its own queue, so one slow target never delays another.
	Queue string `json:"queue"`
	// ID is unique within the queue and stable across attempts. Jobs with
	// the same ReadyAt are leased in ID order, so IDs should sort by
	// creation (NewID does).
	ID string `json:"id"`
	// ReadyAt is the earliest time the job may be leased.
	ReadyAt time.Time `json:"ready_at"`
	// CreatedAt is when the job was first enqueued.
	CreatedAt time.Time `json:"created_at"`
	// Attempt counts the attempts made so far (0 before the first).
	Attempt int `json:"attempt"`
	// CounterKey, when set on enqueue, makes the store assign Seq the next
	// value of that counter in the same durable write.
	CounterKey string `json:"counter_key,omitempty"`
	// Seq is the value assigned from CounterKey (0 when none).
	Seq uint64 `json:"seq,omitempty"`
	// Payload is opaque to the store.
	Payload []byte `json:"payload"`
	// Blob, when set on enqueue, names a shared value (see Batch.Blobs)
	// that the payload refers to instead of carrying. The store keeps a
	// blob while any queued or dead job names it, and deletes it with the
	// last one. Later operations keep the job's blob whatever they pass.
	Blob string `json:"blob,omitempty"`
}

// Blob is a value that several jobs share, such as an event's data fanned
// out to many subscriptions: stored once instead of once per job.
type Blob struct {
	Key   string
	Value []byte
}

// Record is a small value stored under Kind/Key, such as a subscription, an
// attempt log entry or a dead letter. A positive TTL expires it.
type Record struct {
	Kind  string
	Key   string
	Value []byte
	TTL   time.Duration
}

// RecordRef names a record to delete.
type RecordRef struct {
	Kind string
	Key  string
}

// Claim reserves a dedupe key in a scope for TTL.
type Claim struct {
	Scope string
	Key   string
	TTL   time.Duration
}

// Batch is written atomically and durably: either all of it or nothing. If
// any Claim is already held, Write returns ErrDuplicate and writes nothing.
type Batch struct {
	Claims  []Claim
	Enqueue []*Job // Seq is filled in for jobs with a CounterKey
	Put     []Record
	Delete  []RecordRef
	// Blobs are written for the jobs of Enqueue that name them; each must
	// be named by at least one, and a key already in use is an error.
	Blobs []Blob
	// Jobs below are identified by Queue and ID; a job that no longer
	// exists is skipped, so a batch may race with a deleted queue.

	// Done removes jobs from their queues and releases their leases.
	Done []*Job
	// Reschedule rewrites queued jobs with the given ReadyAt, Attempt and
	// Payload, and releases their leases.
	Reschedule []*Job
	// Bury moves queued jobs into the dead letters of their queue (stored
	// as given) and releases their leases.
	Bury []*Job
	// Exhume moves dead letters back into their queue, stored as given
	// (so ReadyAt and Attempt may be reset).
	Exhume []*Job
	// Drop deletes every job, queued or dead, of these queues. Dropping may
	// span several transactions; it is idempotent.
	Drop []string
}

// Store is the durable storage. All methods are safe for concurrent use.
type Store interface {
	// Write commits the batch durably (as the store's durability setting
	// defines) before it returns nil.
	Write(ctx context.Context, b *Batch) error

	// Lease returns up to max jobs of the queue that are ready at now, in
	// ReadyAt then ID order, skipping jobs already leased. A leased job is
	// not returned again until it is rescheduled, or released, or the store
	// is reopened. Leases live in memory: after a crash every job that was
	// not done is leased again (at-least-once delivery).
	Lease(queue string, now time.Time, max int) ([]*Job, error)
	// Release gives leased jobs back unchanged, ready to be leased again.
	Release(jobs ...*Job)
	// NextReady reports the ReadyAt of the earliest unleased job of the
	// queue, and false if the queue holds none.
	NextReady(queue string) (time.Time, bool, error)
	// Notify returns a channel that receives a value (without blocking the
	// writer) whenever jobs are enqueued or rescheduled into the queue.
	Notify(queue string) <-chan struct{}
	// Queues lists every queue with a name under prefix that holds jobs.
	Queues(prefix string) ([]string, error)
	// Depth counts the queued (not dead) jobs of a queue.
	Depth(queue string) (int, error)

	// Job returns a queued job (leased or not) by ID.
	Job(queue, id string) (*Job, error)

	// Dead lists dead letters of a queue, oldest first, starting after
	// cursor (an ID; "" for the start).
	Dead(queue, cursor string, limit int) ([]*Job, error)
	// DeadJob returns one dead letter.
	DeadJob(queue, id string) (*Job, error)

	// Get returns a record's value or ErrNotFound.
	Get(kind, key string) ([]byte, error)
	// Blob returns a shared value or ErrNotFound.
	Blob(key string) ([]byte, error)
	// List returns records of a kind with keys under prefix, in key order,
	// starting after cursor, up to limit (limit <= 0 means all).
	List(kind, prefix, cursor string, limit int) ([]Record, error)
	// Claimed reports whether a dedupe key is held.
	Claimed(scope, key string) (bool, error)
	// Counter returns the current value of a counter (0 if never used).
	Counter(key string) (uint64, error)

	// Close flushes and closes the store.
	Close() error
}

// ErrNoSpace is returned by Write when the disk is too full to take new
// data safely; batches that only remove data still go through.
var ErrNoSpace = errors.New("not enough free disk space")
