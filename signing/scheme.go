package signing

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Scheme names, as used in the Caddyfile `verify <scheme>` and in a
// subscription's "signature" field.
const (
	SchemeMSSignature = "ms_signature"
	SchemeStandard    = "standard"
	SchemeGitHub      = "github"
	SchemeStripe      = "stripe"
	SchemeShopify     = "shopify"
	SchemeHMAC        = "hmac"
	SchemeToken       = "token"
	SchemeNone        = "none"
)

// DefaultTolerance is how far a signed timestamp may lie in the past or in the
// future for the timestamped schemes (standard, stripe) when Config.Tolerance
// is zero.
const DefaultTolerance = 5 * time.Minute

// Config describes one `verify` line.
type Config struct {
	// Scheme is one of the Scheme* constants.
	Scheme string
	// Secrets holds one or more secrets; several allow rotation, and a
	// request passes when any of them matches. The caller has already
	// expanded placeholders.
	Secrets []string
	// Header is, for hmac, the header carrying the signature and, for token,
	// the header carrying the token.
	Header string
	// Query is, for token, the query parameter carrying the token (an
	// alternative to Header).
	Query string
	// Algorithm is, for hmac, sha256 (the default), sha512 or sha1.
	Algorithm string
	// Encoding is, for hmac, hex (the default, compared case-insensitively)
	// or base64.
	Encoding string
	// Prefix is, for hmac, text that precedes the signature in the header,
	// such as "sha256=". For token it is text that precedes the token, such
	// as "Bearer ".
	Prefix string
	// Tolerance bounds the age and the lead of the signed timestamp for
	// standard and stripe. Zero means DefaultTolerance.
	Tolerance time.Duration
}

// Verifier checks one inbound request. A Verifier is built once, at provision
// time, and is safe for concurrent use.
type Verifier interface {
	// Scheme returns the scheme name the Verifier checks.
	Scheme() string
	// Verify checks the raw body and the request headers and query. The
	// current time is passed in so tests can fix it. It returns nil when the
	// request is authentic, and otherwise an *Error whose Reason is safe to
	// log and to return to the provider.
	Verify(header http.Header, query url.Values, body []byte, now time.Time) error
}

// Signer produces the headers that authenticate one outbound delivery. A
// Signer is safe for concurrent use.
type Signer interface {
	// Scheme returns the scheme name the Signer produces.
	Scheme() string
	// Sign returns the headers to add to a delivery of body. Standard
	// Webhooks uses msgID as webhook-id (stable across retries) and ts as
	// webhook-timestamp (the attempt time); stripe uses ts as well; the
	// other schemes sign the body alone.
	Sign(msgID string, ts time.Time, body []byte) (http.Header, error)
}

// NewVerifier validates c and builds the Verifier it describes. It rejects an
// unknown scheme, a missing secret (except for none), a badly encoded
// whsec_/whpk_/whsk_ key, hmac without a header, an unknown algorithm or
// encoding, token without a header or query parameter, and a negative
// tolerance. Its errors name the scheme and the position of a bad secret but
// never the secret itself.
func NewVerifier(c Config) (Verifier, error) {
	scheme := strings.ToLower(strings.TrimSpace(c.Scheme))
	if c.Tolerance < 0 {
		return nil, fmt.Errorf("verify %s: tolerance must not be negative", scheme)
	}
	if scheme != SchemeNone {
		if len(c.Secrets) == 0 {
			return nil, fmt.Errorf("verify %s: at least one secret is required", scheme)
		}
		for i, s := range c.Secrets {
			if s == "" {
				return nil, fmt.Errorf("verify %s: secret %d is empty", scheme, i+1)
			}
		}
	}
	switch scheme {
	case SchemeMSSignature:
		return newMACVerifier(scheme, msSignatureSpec, c.Secrets), nil
	case SchemeGitHub:
		return newMACVerifier(scheme, gitHubSpec, c.Secrets), nil
	case SchemeShopify:
		return newMACVerifier(scheme, shopifySpec, c.Secrets), nil
	case SchemeHMAC:
		spec, err := genericSpec(c)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", scheme, err)
		}
		return newMACVerifier(scheme, spec, c.Secrets), nil
	case SchemeStandard:
		v, err := newStandardVerifier(c.Secrets, tolerance(c.Tolerance))
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", scheme, err)
		}
		return v, nil
	case SchemeStripe:
		return newStripeVerifier(c.Secrets, tolerance(c.Tolerance)), nil
	case SchemeToken:
		v, err := newTokenVerifier(c)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", scheme, err)
		}
		return v, nil
	case SchemeNone:
		return noneVerifier{}, nil
	case "":
		return nil, fmt.Errorf("verify: scheme is required")
	default:
		return nil, fmt.Errorf("verify: unknown scheme %q", c.Scheme)
	}
}

// NewSigner builds the Signer for an outbound subscription. Outbound supports
// standard (a whsec_ secret signs v1 with HMAC-SHA256, a whsk_ secret key
// signs v1a with ed25519), ms_signature, github, stripe and shopify. Its
// errors never contain the secret.
func NewSigner(scheme, secret string) (Signer, error) {
	name := strings.ToLower(strings.TrimSpace(scheme))
	if secret == "" && name != "" {
		return nil, fmt.Errorf("sign %s: secret is required", name)
	}
	switch name {
	case SchemeMSSignature:
		return macSigner{scheme: name, spec: msSignatureSpec, key: []byte(secret)}, nil
	case SchemeGitHub:
		return macSigner{scheme: name, spec: gitHubSpec, key: []byte(secret)}, nil
	case SchemeShopify:
		return macSigner{scheme: name, spec: shopifySpec, key: []byte(secret)}, nil
	case SchemeStripe:
		return stripeSigner{key: []byte(secret)}, nil
	case SchemeStandard:
		s, err := newStandardSigner(secret)
		if err != nil {
			return nil, fmt.Errorf("sign %s: %w", name, err)
		}
		return s, nil
	case SchemeHMAC, SchemeToken, SchemeNone:
		return nil, fmt.Errorf("sign: scheme %q is for inbound verification only", name)
	case "":
		return nil, fmt.Errorf("sign: scheme is required")
	default:
		return nil, fmt.Errorf("sign: unknown scheme %q", scheme)
	}
}

// noneVerifier accepts every request; it is meant for providers that sign
// nothing, paired with an IP allow-list.
type noneVerifier struct{}

// Scheme returns "none".
func (noneVerifier) Scheme() string { return SchemeNone }

// Verify always succeeds.
func (noneVerifier) Verify(http.Header, url.Values, []byte, time.Time) error { return nil }
