package receiver

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// Ways to find an event's dedupe key, as in the Caddyfile's `dedupe` line.
const (
	DedupeHeader = "header" // the value of a request header
	DedupeJSON   = "json"   // the value at a JSON pointer in the body
	DedupeBody   = "body"   // the SHA-256 of the whole body
	DedupeOff    = "off"    // no deduplication
)

// maxKeyText is the longest key value kept as text; longer values are stored
// as their SHA-256 so a claim's key stays small whatever the provider sends.
const maxKeyText = 128

// Dedupe says how a receiver finds an event's dedupe key.
type Dedupe struct {
	// By is DedupeHeader, DedupeJSON, DedupeBody or DedupeOff; empty means
	// the default of the scheme that verified the request.
	By string
	// Name is the header name (By header) or the JSON pointer (By json).
	Name string
	// TTL is how long a key is remembered; zero means Config.DedupeTTL.
	TTL time.Duration
}

// dedupeRule is a validated way to find a dedupe key.
type dedupeRule struct {
	by      string
	header  string
	pointer Pointer
}

// schemeDedupe holds each scheme's default dedupe rule, as in the contract's
// table: the provider's own delivery or event id where it has one, the
// body's hash otherwise.
var schemeDedupe = map[string]Dedupe{
	signing.SchemeMSSignature: {By: DedupeJSON, Name: "/Properties/NotificationId"},
	signing.SchemeStandard:    {By: DedupeHeader, Name: "webhook-id"},
	signing.SchemeGitHub:      {By: DedupeHeader, Name: "X-GitHub-Delivery"},
	signing.SchemeStripe:      {By: DedupeJSON, Name: "/id"},
	signing.SchemeShopify:     {By: DedupeHeader, Name: "X-Shopify-Webhook-Id"},
	signing.SchemeHMAC:        {By: DedupeBody},
	signing.SchemeToken:       {By: DedupeBody},
	signing.SchemeNone:        {By: DedupeBody},
}

// DefaultDedupe returns the dedupe rule a scheme uses when the receiver has
// no `dedupe` line.
func DefaultDedupe(scheme string) Dedupe {
	if d, ok := schemeDedupe[scheme]; ok {
		return d
	}
	return Dedupe{By: DedupeBody}
}

// compileDedupe validates d.
func compileDedupe(d Dedupe) (dedupeRule, error) {
	switch d.By {
	case DedupeHeader:
		name := strings.TrimSpace(d.Name)
		if name == "" {
			return dedupeRule{}, fmt.Errorf("dedupe header: a header name is required")
		}
		return dedupeRule{by: DedupeHeader, header: http.CanonicalHeaderKey(name)}, nil
	case DedupeJSON:
		if d.Name == "" {
			return dedupeRule{}, fmt.Errorf("dedupe json: a json pointer is required")
		}
		p, err := ParsePointer(d.Name)
		if err != nil {
			return dedupeRule{}, fmt.Errorf("dedupe json: %w", err)
		}
		return dedupeRule{by: DedupeJSON, pointer: p}, nil
	case DedupeBody, DedupeOff:
		if d.Name != "" {
			return dedupeRule{}, fmt.Errorf("dedupe %s takes no name or pointer", d.By)
		}
		return dedupeRule{by: d.By}, nil
	default:
		return dedupeRule{}, fmt.Errorf("dedupe: unknown method %q (want header, json, body or off)", d.By)
	}
}

// key returns the event's dedupe key, "" when deduplication is off, or a
// *rejection (400) when the key cannot be found. Keys carry the rule that
// found them, so two rules never share a key by accident.
func (d dedupeRule) key(ev *incoming) (string, error) {
	switch d.by {
	case DedupeOff:
		return "", nil
	case DedupeBody:
		sum := sha256.Sum256(ev.body)
		return "body:" + hex.EncodeToString(sum[:]), nil
	case DedupeHeader:
		v := strings.TrimSpace(ev.header.Get(d.header))
		if v == "" {
			return "", badRequest("missing " + strings.ToLower(d.header) + " header (the dedupe key)")
		}
		return "header:" + strings.ToLower(d.header) + ":" + compactKey(v), nil
	case DedupeJSON:
		v, err := ev.lookup(d.pointer, "dedupe key")
		if err != nil {
			return "", err
		}
		return "json:" + d.pointer.String() + ":" + compactKey(v), nil
	}
	return "", fmt.Errorf("dedupe: unknown method %q", d.by)
}

// compactKey returns v, or its SHA-256 when v is long.
func compactKey(v string) string {
	if len(v) <= maxKeyText {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:])
}
