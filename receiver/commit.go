package receiver

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// commit writes the batch, with the sequence records of seqNum when the
// receiver tracks a sequence, within ack_timeout. It returns when the write
// is durable or the time is up, whichever is first. A write the store had
// already taken when the time ran out may still complete; the event is then
// forwarded although the provider got a 503, and the provider's retry meets
// the dedupe claim, so it is never lost and (with dedupe on) not doubled.
func (r *Receiver) commit(ctx context.Context, b *store.Batch, seqNum uint64) error {
	ctx, cancel := context.WithTimeout(ctx, r.ackTimeout)
	done := make(chan error, 1)
	go func() {
		defer cancel()
		done <- r.write(ctx, b, seqNum)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		select {
		case err := <-done: // finished just in time
			return err
		default:
			return ctx.Err()
		}
	}
}

// write is commit's durable part.
func (r *Receiver) write(ctx context.Context, b *store.Batch, seqNum uint64) error {
	if r.seq == nil {
		return r.store.Write(ctx, b)
	}
	if err := r.seq.acquire(ctx); err != nil {
		return err
	}
	defer r.seq.release()
	if err := r.seq.load(); err != nil {
		return err
	}
	plan := r.seq.plan(seqNum, time.Now())
	b.Put = append(b.Put, plan.put...)
	b.Delete = append(b.Delete, plan.del...)
	if err := r.store.Write(ctx, b); err != nil {
		return err
	}
	r.seq.apply(plan)
	for _, g := range plan.newGaps {
		r.metrics.Gap(r.name, g.Missing)
		r.logger.Warn("sequence gap detected",
			zap.String("receiver", r.name), zap.Uint64("from", g.From), zap.Uint64("to", g.To))
	}
	return nil
}
