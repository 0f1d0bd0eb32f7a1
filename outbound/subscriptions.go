package outbound

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/store"
)

// Create validates and stores a new subscription. It returns the
// subscription with its secret, generated when the input gives none.
func (d *Dispatcher) Create(ctx context.Context, in SubscriptionInput) (Subscription, error) {
	now := time.Now().UTC()
	r := &record{Subscription: Subscription{
		ID:           IDPrefix + store.NewID(),
		URL:          strings.TrimSpace(in.URL),
		Name:         in.Name,
		ContactEmail: in.ContactEmail,
		Events:       in.Events,
		EntityID:     string(in.EntityID),
		Filter:       in.Filter,
		Format:       in.Format,
		Signature:    in.Signature,
		Secret:       in.Secret,
		Headers:      in.Headers,
		Status:       StatusActive,
		CreatedAt:    now,
		UpdatedAt:    now,
	}}
	if r.Events == nil {
		r.Events = []string{"*"}
	}
	if r.Format == "" {
		r.Format = FormatStandard
	}
	if r.Signature == "" {
		r.Signature = defaultSignature(r.Format)
	}
	if r.Secret == "" {
		r.Secret = newSecret(r.Signature)
	}
	if in.Policy != nil {
		r.Policy = *in.Policy
	}
	if in.Active != nil && !*in.Active {
		r.Status, r.StatusReason = StatusDisabled, "created inactive"
	}
	if err := d.validate(r); err != nil {
		return Subscription{}, err
	}
	v, err := d.reg.create(ctx, r)
	if err != nil {
		return Subscription{}, err
	}
	d.cfg.Logger.Info("subscription created", zap.String("subscription", r.ID),
		zap.String("url_origin", urlOrigin(r.URL)), zap.String("status", r.Status))
	return d.show(v.rec, true)
}

// Get returns a subscription without its secret.
func (d *Dispatcher) Get(id string) (Subscription, error) {
	v, err := d.reg.get(id)
	if err != nil {
		return Subscription{}, err
	}
	return d.show(v.rec, false)
}

// Secret returns a subscription's signing secret.
func (d *Dispatcher) Secret(id string) (string, error) {
	v, err := d.reg.get(id)
	if err != nil {
		return "", err
	}
	return v.rec.Secret, nil
}

// List returns up to limit subscriptions in id (creation) order, after the
// cursor, without secrets, and the cursor of the next page ("" at the
// end).
func (d *Dispatcher) List(cursor string, limit int) ([]Subscription, string, error) {
	all := d.reg.all()
	sort.Slice(all, func(i, j int) bool { return all[i].rec.ID < all[j].rec.ID })
	start := sort.Search(len(all), func(i int) bool { return all[i].rec.ID > cursor })
	out := make([]Subscription, 0, min(limit, len(all)-start))
	next := ""
	for i := start; i < len(all); i++ {
		if len(out) == limit {
			next = out[len(out)-1].ID
			break
		}
		s, err := d.show(all[i].rec, false)
		if err != nil {
			return nil, "", err
		}
		out = append(out, s)
	}
	return out, next, nil
}

// Update applies a patch. {"active": true} reactivates the subscription
// (status active, reason and holds cleared) and resumes its queue;
// {"active": false} disables it.
func (d *Dispatcher) Update(ctx context.Context, id string, p SubscriptionPatch) (Subscription, error) {
	now := time.Now().UTC()
	v, err := d.reg.update(ctx, id, func(r *record, _ *store.Batch) error {
		applyPatch(r, p)
		if p.Active != nil {
			if *p.Active {
				r.Status, r.StatusReason, r.StatusUntil = StatusActive, "", nil
				r.RetryAt, r.Failures = time.Time{}, nil
			} else if r.Status != StatusDisabled {
				r.Status, r.StatusReason, r.StatusUntil = StatusDisabled, "disabled through the API", nil
			}
		}
		r.UpdatedAt = now
		if p.URL == nil {
			return d.validateSettings(r)
		}
		return d.validate(r)
	})
	if err != nil {
		return Subscription{}, err
	}
	if p.Active != nil && *p.Active {
		d.cfg.Resume(queueOf(id))
	}
	d.cfg.Logger.Info("subscription updated", zap.String("subscription", id), zap.String("status", v.rec.Status))
	return d.show(v.rec, false)
}

// applyPatch copies the fields a patch sets.
func applyPatch(r *record, p SubscriptionPatch) {
	if p.URL != nil {
		r.URL = strings.TrimSpace(*p.URL)
	}
	if p.Name != nil {
		r.Name = *p.Name
	}
	if p.ContactEmail != nil {
		r.ContactEmail = *p.ContactEmail
	}
	if p.Events != nil {
		r.Events = *p.Events
	}
	if p.EntityID != nil {
		r.EntityID = string(*p.EntityID)
	}
	if p.Filter != nil {
		r.Filter = *p.Filter
	}
	if p.Format != nil {
		r.Format = *p.Format
	}
	if p.Signature != nil {
		r.Signature = *p.Signature
	}
	if p.Secret != nil {
		r.Secret = *p.Secret
	}
	if p.Headers != nil {
		r.Headers = *p.Headers
	}
	if p.Policy != nil {
		r.Policy = *p.Policy
	}
}

// Delete removes a subscription and drops its queued and dead deliveries;
// its attempt log goes too.
func (d *Dispatcher) Delete(ctx context.Context, id string) error {
	if err := d.reg.remove(ctx, id); err != nil {
		return err
	}
	d.cfg.Logger.Info("subscription deleted", zap.String("subscription", id))
	if err := d.deleteLog(ctx, id); err != nil {
		// The entries expire on their own; nothing depends on them.
		d.cfg.Logger.Warn("deleting attempt log", zap.String("subscription", id), zap.Error(err))
	}
	return nil
}

// deleteLog deletes a subscription's attempt log in batches.
func (d *Dispatcher) deleteLog(ctx context.Context, id string) error {
	for {
		recs, err := d.cfg.Store.List(attemptKind, id+"/", "", 1000)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return nil
		}
		b := &store.Batch{}
		for _, rec := range recs {
			b.Delete = append(b.Delete, store.RecordRef{Kind: attemptKind, Key: rec.Key})
		}
		if err := d.cfg.Store.Write(ctx, b); err != nil {
			return err
		}
	}
}

// show renders a subscription for the API as of now, with its
// increment_id, and with the secret only when asked.
func (d *Dispatcher) show(r *record, withSecret bool) (Subscription, error) {
	s := r.effective(time.Now())
	n, err := d.cfg.Store.Counter(counterOf(r.ID))
	if err != nil {
		return Subscription{}, fmt.Errorf("subscription %s: reading increment_id: %w", r.ID, err)
	}
	s.IncrementID = n
	if !withSecret {
		s.Secret = ""
	}
	if s.Events == nil {
		s.Events = []string{}
	}
	if s.Filter == nil {
		s.Filter = map[string]json.RawMessage{}
	}
	if s.Headers == nil {
		s.Headers = map[string]string{}
	}
	return s, nil
}
