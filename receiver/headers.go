package receiver

import (
	"net/http"
	"strings"
)

// Headers hookgate adds to every event it forwards to the app.
const (
	// HeaderGatewayID is hookgate's id for the event, stable across attempts.
	HeaderGatewayID = "Webhook-Gateway-Id"
	// HeaderAttempt numbers the attempts: 1, 2, …
	HeaderAttempt = "Webhook-Attempt"
	// HeaderVerified names the scheme of the verify line that passed.
	HeaderVerified = "Webhook-Verified"
	// HeaderDuplicate is set to "true" on the acknowledgement of a
	// duplicate.
	HeaderDuplicate = "Webhook-Duplicate"
)

// hopByHop are the headers that describe one connection rather than the
// message (RFC 9110 section 7.6.1, plus the de-facto Proxy-Connection and
// Keep-Alive), and the framing headers the forwarder sets itself.
var hopByHop = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
	"Expect",
	"Content-Length",
	"Host",
}

// dropped holds, lower-cased, the headers never forwarded: hop-by-hop
// headers and hookgate's own, which a provider must not be able to forge.
var dropped = func() map[string]bool {
	m := make(map[string]bool, len(hopByHop)+4)
	for _, name := range hopByHop {
		m[strings.ToLower(name)] = true
	}
	for _, name := range []string{HeaderGatewayID, HeaderAttempt, HeaderVerified, HeaderDuplicate} {
		m[strings.ToLower(name)] = true
	}
	return m
}()

// ForwardHeader returns the headers of a provider's request that are passed
// on to the app: all of them except hop-by-hop headers (including any that
// the Connection header names) and hookgate's own Webhook-Gateway-*,
// Webhook-Attempt, Webhook-Verified and Webhook-Duplicate, which a provider
// must not be able to forge. The input is not modified.
func ForwardHeader(in http.Header) http.Header {
	var named map[string]bool // headers the Connection header names
	for key, values := range in {
		if !strings.EqualFold(key, "Connection") {
			continue
		}
		for _, v := range values {
			for name := range strings.SplitSeq(v, ",") {
				if name = strings.TrimSpace(name); name != "" {
					if named == nil {
						named = make(map[string]bool)
					}
					named[strings.ToLower(name)] = true
				}
			}
		}
	}
	out := make(http.Header, len(in))
	for key, values := range in {
		if lower := strings.ToLower(key); !dropped[lower] && !named[lower] {
			out[key] = append([]string(nil), values...)
		}
	}
	return out
}
