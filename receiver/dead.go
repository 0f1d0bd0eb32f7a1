package receiver

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// Page sizes of Dead.
const (
	DefaultDeadLimit = 50
	MaxDeadLimit     = 500
)

// deadBodyPreview is how much of a dead letter's body Dead shows.
const deadBodyPreview = 16 << 10

// DeadLetter is an event the receiver gave up forwarding. The provider's
// headers are left out, since they carry its signature.
type DeadLetter struct {
	// ID is the event's Webhook-Gateway-Id.
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	// Verified names the scheme that passed.
	Verified string `json:"verified"`
	// Attempts counts the attempts made to forward it.
	Attempts      int        `json:"attempts"`
	LastError     string     `json:"last_error,omitempty"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	ContentType   string     `json:"content_type,omitempty"`
	// Size is the body's length in bytes.
	Size int `json:"size"`
	// Body is the body as text, at most 16 KiB of it; BodyTruncated says
	// when it was cut. A body that is not UTF-8 text is left out.
	Body          string `json:"body,omitempty"`
	BodyTruncated bool   `json:"body_truncated,omitempty"`
}

// Dead lists the receiver's dead letters, oldest first, starting after cursor
// ("" for the start). limit <= 0 means DefaultDeadLimit and is capped at
// MaxDeadLimit. next is the cursor of the following page, "" after the last.
func (r *Receiver) Dead(cursor string, limit int) (items []DeadLetter, next string, err error) {
	if limit <= 0 {
		limit = DefaultDeadLimit
	}
	limit = min(limit, MaxDeadLimit)
	jobs, err := r.store.Dead(r.queue, cursor, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("listing dead letters of %s: %w", r.name, err)
	}
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	items = make([]DeadLetter, 0, len(jobs))
	for _, job := range jobs {
		items = append(items, deadLetter(job))
	}
	return items, next, nil
}

// deadLetter describes a buried job.
func deadLetter(job *store.Job) DeadLetter {
	d := DeadLetter{ID: job.ID, Attempts: job.Attempt, ReceivedAt: job.CreatedAt.UTC()}
	p, err := decodePayload(job.Payload)
	if err != nil {
		d.LastError = err.Error()
		return d
	}
	d.ReceivedAt = p.ReceivedAt
	d.Verified = p.Verified
	d.LastError = p.LastError
	if !p.LastAttemptAt.IsZero() {
		t := p.LastAttemptAt
		d.LastAttemptAt = &t
	}
	d.ContentType = p.Header.Get("Content-Type")
	d.Size = len(p.Body)
	body := p.Body
	if len(body) > deadBodyPreview {
		cut := deadBodyPreview
		for cut > deadBodyPreview-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
			cut-- // do not cut a character in two
		}
		body = body[:cut]
		d.BodyTruncated = true
	}
	if utf8.Valid(body) {
		d.Body = string(body)
	}
	return d
}

// Replay moves a dead letter back into the queue to be forwarded now, with
// its attempt count reset and its forward_max_age counted afresh. It returns
// an error wrapping store.ErrNotFound when the receiver has no such dead
// letter.
func (r *Receiver) Replay(id string) error {
	job, err := r.store.DeadJob(r.queue, id)
	if err != nil {
		return fmt.Errorf("dead letter %s of %s: %w", id, r.name, err)
	}
	now := time.Now()
	job.ReadyAt = now
	job.CreatedAt = now
	job.Attempt = 0
	if err := r.store.Write(context.Background(), &store.Batch{Exhume: []*store.Job{job}}); err != nil {
		return fmt.Errorf("replaying dead letter %s of %s: %w", id, r.name, err)
	}
	r.logger.Info("dead letter replayed", zap.String("receiver", r.name), zap.String("id", id))
	r.kick(r.queue)
	return nil
}
