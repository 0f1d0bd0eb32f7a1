package outbound

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// SubscriptionInput is the body that creates a subscription. Only URL is
// required; Events defaults to ["*"], Format to "standard", Signature to the
// format's default, Secret to a fresh one, Active to true.
type SubscriptionInput struct {
	URL          string                     `json:"url"`
	Name         string                     `json:"name"`
	ContactEmail string                     `json:"contact_email"`
	Events       []string                   `json:"events"`
	EntityID     EntityID                   `json:"entity_id"`
	Filter       map[string]json.RawMessage `json:"filter"`
	Format       string                     `json:"format"`
	Signature    string                     `json:"signature"`
	Secret       string                     `json:"secret"`
	Headers      map[string]string          `json:"headers"`
	Active       *bool                      `json:"active"`
	Policy       *Policy                    `json:"policy"`
}

// SubscriptionPatch is the body that changes a subscription: each field
// present (and not null) replaces the current value. {"active": true}
// reactivates a disabled or paused subscription; {"active": false} disables
// it. An empty string, list or object clears a field.
type SubscriptionPatch struct {
	URL          *string                     `json:"url"`
	Name         *string                     `json:"name"`
	ContactEmail *string                     `json:"contact_email"`
	Events       *[]string                   `json:"events"`
	EntityID     *EntityID                   `json:"entity_id"`
	Filter       *map[string]json.RawMessage `json:"filter"`
	Format       *string                     `json:"format"`
	Signature    *string                     `json:"signature"`
	Secret       *string                     `json:"secret"`
	Headers      *map[string]string          `json:"headers"`
	Active       *bool                       `json:"active"`
	Policy       *Policy                     `json:"policy"`
}

// EntityID is an entity id given as a JSON string or number ("7" or 7);
// it is kept as the string.
type EntityID string

// UnmarshalJSON accepts a string or a number.
func (e *EntityID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = EntityID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("entity_id must be a string or a number")
	}
	*e = EntityID(n.String())
	return nil
}

// Event is what the app publishes. Type and Data are required; ID, when
// given, makes publishing idempotent (a repeated id is not fanned out
// again); EntityID narrows it to subscriptions for that entity.
type Event struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	EntityID EntityID        `json:"entity_id"`
	Data     json.RawMessage `json:"data"`
}

// PublishResult reports a publish: the event id, how many deliveries it
// fanned out to, and whether the id had been published before (then
// nothing was fanned out).
type PublishResult struct {
	ID         string `json:"id"`
	Deliveries int    `json:"deliveries"`
	Duplicate  bool   `json:"duplicate,omitempty"`
}
