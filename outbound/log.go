package outbound

import (
	"encoding/json"
	"fmt"
)

// Paging of the attempt log.
const (
	logPage    = 200
	logMaxScan = 5000
)

// Attempts lists a subscription's attempt log, newest first, up to limit
// entries after the cursor, keeping only entries with the given status
// ("" for all). It returns the cursor of the next page ("" at the end).
// A page with a status filter scans at most logMaxScan entries, so it may
// hold fewer than limit entries and still have a next cursor.
func (d *Dispatcher) Attempts(subID, status, cursor string, limit int) ([]Attempt, string, error) {
	if _, err := d.reg.get(subID); err != nil {
		return nil, "", err
	}
	if !validDeliveryStatus(status) {
		return nil, "", invalid("status must be pending, succeeded, failed or dead, not %q", status)
	}
	if limit <= 0 {
		return nil, "", invalid("limit must be positive")
	}
	prefix := subID + "/"
	out := []Attempt{}
	scanned := 0
	for {
		recs, err := d.cfg.Store.List(attemptKind, prefix, cursor, logPage)
		if err != nil {
			return nil, "", fmt.Errorf("reading the attempt log of %s: %w", subID, err)
		}
		for _, rec := range recs {
			scanned++
			cursor = rec.Key
			var a Attempt
			if err := json.Unmarshal(rec.Value, &a); err != nil {
				continue // an unreadable entry is skipped, not fatal
			}
			if status != "" && a.Status != status {
				continue
			}
			if a.Status == DeliveryPending && a.IncrementID == 0 {
				d.fillIncrementID(subID, &a)
			}
			out = append(out, a)
			if len(out) == limit {
				return out, rec.Key, nil
			}
		}
		if len(recs) < logPage {
			return out, "", nil
		}
		if scanned >= logMaxScan {
			return out, cursor, nil
		}
	}
}

// fillIncrementID looks up the increment_id the store gave a queued
// delivery, which its first log entry was written without.
func (d *Dispatcher) fillIncrementID(subID string, a *Attempt) {
	if job, err := d.cfg.Store.Job(queueOf(subID), a.DeliveryID); err == nil {
		a.IncrementID = job.Seq
	}
}
