package outbound

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Limits of a subscription's extra headers.
const (
	maxHeaders     = 50
	maxHeaderValue = 4096
)

// reservedHeaders may not be set as extra headers: hookgate sets the
// signature and framing headers itself, and hop-by-hop headers are the
// transport's business.
var reservedHeaders = map[string]bool{
	// signatures of every outbound scheme
	"Webhook-Id":            true,
	"Webhook-Timestamp":     true,
	"Webhook-Signature":     true,
	"Ms-Signature":          true,
	"X-Hub-Signature-256":   true,
	"X-Shopify-Hmac-Sha256": true,
	"Stripe-Signature":      true,
	"Webhook-Increment-Id":  true,
	// framing and hop-by-hop
	"Host":                true,
	"Content-Length":      true,
	"Content-Type":        true,
	"Content-Encoding":    true,
	"Transfer-Encoding":   true,
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authorization": true,
	"Proxy-Authenticate":  true,
	"Te":                  true,
	"Trailer":             true,
	"Upgrade":             true,
}

// validateHeaders checks a subscription's extra headers: valid field names
// that do not override what hookgate sets, and values without CR, LF or
// other control characters. Errors name the header, never its value, which
// may be a credential.
func validateHeaders(h map[string]string) error {
	if len(h) > maxHeaders {
		return fmt.Errorf("headers has %d entries; at most %d are allowed", len(h), maxHeaders)
	}
	seen := make(map[string]string, len(h))
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := h[name]
		if !httpguts.ValidHeaderFieldName(name) {
			return fmt.Errorf("header name %q is not a valid HTTP field name", name)
		}
		canon := http.CanonicalHeaderKey(name)
		if reservedHeaders[canon] {
			return fmt.Errorf("header %q is set by hookgate and cannot be overridden", name)
		}
		if other, dup := seen[canon]; dup {
			return fmt.Errorf("headers %q and %q name the same field", other, name)
		}
		seen[canon] = name
		if len(value) > maxHeaderValue {
			return fmt.Errorf("header %q: value is longer than %d bytes", name, maxHeaderValue)
		}
		if !httpguts.ValidHeaderFieldValue(value) || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("header %q: value contains CR, LF or another control character", name)
		}
	}
	return nil
}
