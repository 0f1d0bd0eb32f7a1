package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/jsonpointer"
	"github.com/hookgate/hookgate/store"
)

// Limits of a published event.
const (
	maxTypeLength    = 256
	maxEventIDLength = 256
)

// maxFanOutBytes bounds the jobs, log entries and data one publish
// writes, so the write stays well inside one store transaction
// (badgerstore allows about 2.4 MB).
const maxFanOutBytes = 2 << 20

// shareDataOver is the size of all the data copies of one fan-out above
// which the jobs share one stored copy (a blob) instead of carrying their
// own. Below it each delivery reads its data with its job, saving a read.
const shareDataOver = 64 << 10

// eventScope is the dedupe scope of published event ids.
const eventScope = "outbound/events"

// deliveryPrefix starts every delivery id.
const deliveryPrefix = "dlv_"

// Publish fans an event out to every active or paused subscription whose
// events patterns, entity_id and filter match it, in one durable write
// that also claims the event id: a repeated id fans out nothing and
// reports Duplicate. Disabled subscriptions get nothing.
func (d *Dispatcher) Publish(ctx context.Context, ev Event) (PublishResult, error) {
	if err := validateEvent(&ev); err != nil {
		return PublishResult{}, err
	}
	if ev.ID == "" {
		ev.ID = "evt_" + store.NewID()
	}
	now := time.Now().UTC()
	jobs, logs, blobs, err := d.fanOut(&ev, now)
	if err != nil {
		return PublishResult{}, err
	}
	if size := fanOutSize(jobs, logs, blobs); size > maxFanOutBytes {
		return PublishResult{}, &TooLargeError{msg: fmt.Sprintf(
			"event %s fans out to %d subscriptions, %d bytes in all; at most %d fit in one write",
			ev.ID, len(jobs), size, maxFanOutBytes)}
	}
	b := &store.Batch{
		Claims:  []store.Claim{{Scope: eventScope, Key: ev.ID, TTL: d.cfg.DedupeTTL}},
		Enqueue: jobs,
		Put:     logs,
		Blobs:   blobs,
	}
	err = d.cfg.Store.Write(ctx, b)
	if errors.Is(err, store.ErrDuplicate) {
		d.reg.stats.duplicates.Add(1)
		d.cfg.Metrics.EventPublished(0, true)
		return PublishResult{ID: ev.ID, Duplicate: true}, nil
	}
	if err != nil {
		return PublishResult{}, fmt.Errorf("publishing event %s: %w", ev.ID, err)
	}
	for _, job := range jobs {
		d.cfg.Kick(job.Queue)
	}
	d.reg.stats.published.Add(1)
	d.reg.stats.enqueued.Add(int64(len(jobs)))
	d.cfg.Metrics.EventPublished(len(jobs), false)
	d.cfg.Logger.Debug("event published", zap.String("event", ev.ID), zap.String("type", ev.Type),
		zap.Int("deliveries", len(jobs)))
	return PublishResult{ID: ev.ID, Deliveries: len(jobs)}, nil
}

// validateEvent checks a published event.
func validateEvent(ev *Event) error {
	if err := validateName(ev.Type, maxTypeLength); err != nil {
		return invalid("type %v", err)
	}
	if ev.ID != "" {
		if err := validateName(ev.ID, maxEventIDLength); err != nil {
			return invalid("id %v", err)
		}
	}
	if ev.EntityID != "" {
		if err := validateName(string(ev.EntityID), maxEntityLength); err != nil {
			return invalid("entity_id %v", err)
		}
	}
	if len(ev.Data) == 0 {
		return invalid("data is required")
	}
	if !json.Valid(ev.Data) {
		return invalid("data is not valid JSON")
	}
	return nil
}

// fanOut builds one job per matching subscription, and the attempt log
// entry of each job's first attempt. The entries' increment_id is filled
// in when the log is read, since the store assigns it in the same write.
// When the copies of the data would be large, the jobs share one stored
// copy, returned as a blob.
func (d *Dispatcher) fanOut(ev *Event, now time.Time) ([]*store.Job, []store.Record, []store.Blob, error) {
	matched, err := d.matching(ev)
	if err != nil {
		return nil, nil, nil, err
	}
	var blobs []store.Blob
	if len(matched) > 1 && len(matched)*len(ev.Data) > shareDataOver {
		blobs = []store.Blob{{Key: "outbound/" + store.NewID(), Value: ev.Data}}
	}
	jobs := make([]*store.Job, 0, len(matched))
	logs := make([]store.Record, 0, len(matched))
	for _, r := range matched {
		id := newDeliveryID(r.ID)
		p := jobPayload{
			EventID:   ev.ID,
			Type:      ev.Type,
			EntityID:  string(ev.EntityID),
			Data:      ev.Data,
			Published: now,
			LogKey:    attemptKey(r.ID, now, id),
		}
		job := &store.Job{
			Queue:      queueOf(r.ID),
			ID:         id,
			ReadyAt:    now,
			CreatedAt:  now,
			CounterKey: counterOf(r.ID),
		}
		if blobs != nil {
			job.Blob = blobs[0].Key
		}
		if job.Payload, err = encodePayload(job, p); err != nil {
			return nil, nil, nil, err
		}
		entry, err := json.Marshal(pendingAttempt(jobMeta{id: id}, &p, 1, &now))
		if err != nil {
			return nil, nil, nil, err
		}
		logs = append(logs, store.Record{Kind: attemptKind, Key: p.LogKey, Value: entry, TTL: attemptTTL})
		jobs = append(jobs, job)
	}
	return jobs, logs, blobs, nil
}

// matching returns the active or paused subscriptions whose events
// patterns, entity_id and filter match the event.
func (d *Dispatcher) matching(ev *Event) ([]*record, error) {
	var (
		data    any
		decoded bool
		matched []*record
	)
	for _, v := range d.reg.all() {
		r := v.rec
		if r.Status == StatusDisabled || !matchAny(r.Events, ev.Type) {
			continue
		}
		if r.EntityID != "" && r.EntityID != string(ev.EntityID) {
			continue
		}
		if len(v.conds) > 0 {
			if !decoded {
				var err error
				if data, err = jsonpointer.Decode(ev.Data); err != nil {
					return nil, invalid("data is not valid JSON: %v", err)
				}
				decoded = true
			}
			if !matchFilter(v.conds, data) {
				continue
			}
		}
		matched = append(matched, r)
	}
	return matched, nil
}

// newDeliveryID returns a fresh delivery id that names its subscription,
// so a delivery can be found from its id alone. Within a queue the ids
// sort by creation.
func newDeliveryID(subID string) string {
	return deliveryPrefix + strings.TrimPrefix(subID, IDPrefix) + "_" + store.NewID()
}

// subscriptionOfDelivery returns the subscription id named by a delivery
// id.
func subscriptionOfDelivery(id string) (string, bool) {
	rest, ok := strings.CutPrefix(id, deliveryPrefix)
	if !ok {
		return "", false
	}
	sub, _, ok := strings.Cut(rest, "_")
	if !ok || sub == "" {
		return "", false
	}
	return IDPrefix + sub, true
}

// fanOutSize estimates the bytes a fan-out writes.
func fanOutSize(jobs []*store.Job, logs []store.Record, blobs []store.Blob) int {
	n := 0
	for _, b := range blobs {
		n += len(b.Value) + len(b.Key) + 32
	}
	for _, j := range jobs {
		n += len(j.Payload) + len(j.ID) + len(j.Queue) + 64
	}
	for _, r := range logs {
		n += len(r.Value) + len(r.Key) + 32
	}
	return n
}
