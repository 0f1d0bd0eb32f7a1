package outbound

import (
	"fmt"
	"net/mail"

	"github.com/hookgate/hookgate/signing"
)

// Limits of a subscription's free-text fields.
const (
	maxNameLength   = 256
	maxEntityLength = 256
	maxSecretLength = 1024
)

// validate checks a whole subscription; its errors are ValidationErrors
// naming the field and never containing the secret or a header value.
func (d *Dispatcher) validate(r *record) error {
	if err := validateURL(r.URL, d.cfg.AllowPrivateTargets); err != nil {
		return invalid("%v", err)
	}
	return d.validateSettings(r)
}

// validateSettings checks everything validate does but the URL: a patch
// that leaves the URL alone must go through even when the URL is no
// longer allowed (allow_private_targets turned off), so the subscription
// can still be paused, disabled or fixed. Deliveries to it are refused at
// dial time either way.
func (d *Dispatcher) validateSettings(r *record) error {
	if len(r.Name) > maxNameLength {
		return invalid("name is longer than %d bytes", maxNameLength)
	}
	if r.ContactEmail != "" {
		a, err := mail.ParseAddress(r.ContactEmail)
		if err != nil || a.Address != r.ContactEmail || len(r.ContactEmail) > maxNameLength {
			return invalid("contact_email %q is not an email address", r.ContactEmail)
		}
	}
	if err := validatePatterns(r.Events); err != nil {
		return invalid("%v", err)
	}
	if r.EntityID != "" {
		if err := validateName(r.EntityID, maxEntityLength); err != nil {
			return invalid("entity_id %v", err)
		}
	}
	if _, err := compileFilter(r.Filter); err != nil {
		return invalid("%v", err)
	}
	if !formats[r.Format] {
		return invalid("format must be standard, xtnd, xena or raw, not %q", r.Format)
	}
	if len(r.Secret) > maxSecretLength {
		return invalid("secret is longer than %d bytes", maxSecretLength)
	}
	if _, err := signing.NewSigner(r.Signature, r.Secret); err != nil {
		return invalid("signature: %v", err)
	}
	if err := validateHeaders(r.Headers); err != nil {
		return invalid("%v", err)
	}
	if err := r.Policy.Validate(); err != nil {
		return invalid("policy: %v", err)
	}
	switch r.Status {
	case StatusActive, StatusPaused, StatusDisabled:
	default:
		return fmt.Errorf("subscription %s has unknown status %q", r.ID, r.Status)
	}
	return nil
}

// newSecret returns a fresh secret for a signature scheme: a whsec_
// secret for Standard Webhooks, random hex for the HMAC schemes.
func newSecret(scheme string) string {
	if scheme == signing.SchemeStandard {
		return signing.NewStandardSecret()
	}
	return signing.NewRandomSecret()
}
