package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// HeaderStripeSignature is the header Stripe signs its events in.
const HeaderStripeSignature = "Stripe-Signature"

// MaxStripeSignatures caps how many v1 entries ParseStripeHeader returns.
const MaxStripeSignatures = 32

// Errors returned by ParseStripeHeader. They carry no part of the input.
var (
	ErrStripeNoTimestamp  = errors.New("no timestamp")
	ErrStripeBadTimestamp = errors.New("invalid timestamp")
	ErrStripeNoSignature  = errors.New("no v1 signature")
)

// ParseStripeHeader parses a Stripe-Signature header of the form
// "t=<unix>,v1=<hex>[,v1=<hex>][,v0=<hex>]". It returns the timestamp and the
// decoded v1 signatures (at most MaxStripeSignatures). Entries with other keys
// (such as v0) and v1 entries that are not hex are ignored. A missing,
// repeated or non-numeric timestamp, or no usable v1 signature, is an error.
// It never panics.
func ParseStripeHeader(h string) (ts int64, v1 [][]byte, err error) {
	haveTS := false
	for item := range strings.SplitSeq(h, ",") {
		key, value, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		switch key {
		case "t":
			if haveTS {
				return 0, nil, ErrStripeBadTimestamp
			}
			n, perr := strconv.ParseInt(value, 10, 64)
			if perr != nil {
				return 0, nil, ErrStripeBadTimestamp
			}
			ts, haveTS = n, true
		case "v1":
			if len(v1) == MaxStripeSignatures {
				continue
			}
			sig, derr := hex.DecodeString(value)
			if derr != nil || len(sig) == 0 {
				continue
			}
			v1 = append(v1, sig)
		}
	}
	if !haveTS {
		return 0, nil, ErrStripeNoTimestamp
	}
	if len(v1) == 0 {
		return 0, nil, ErrStripeNoSignature
	}
	return ts, v1, nil
}

// stripeMAC returns the HMAC-SHA256 of "{t}.{body}" under key.
func stripeMAC(key []byte, tsText string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tsText))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// stripeVerifier checks Stripe-Signature against one or more endpoint
// secrets. Stripe uses the whole secret text, whsec_ prefix included, as the
// HMAC key.
type stripeVerifier struct {
	keys [][]byte
	tol  time.Duration
}

// newStripeVerifier returns a verifier for secrets.
func newStripeVerifier(secrets []string, tol time.Duration) *stripeVerifier {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	return &stripeVerifier{keys: keys, tol: tol}
}

// Scheme returns "stripe".
func (v *stripeVerifier) Scheme() string { return SchemeStripe }

// Verify parses the header, checks the timestamp in both directions, and
// passes when any v1 signature matches any secret.
func (v *stripeVerifier) Verify(header http.Header, _ url.Values, body []byte, now time.Time) error {
	raw := header.Get(HeaderStripeSignature)
	if strings.TrimSpace(raw) == "" {
		return missingHeader(HeaderStripeSignature)
	}
	ts, sigs, err := ParseStripeHeader(raw)
	if err != nil {
		return fail("malformed stripe-signature header: " + err.Error())
	}
	if !withinTolerance(ts, now, v.tol) {
		return fail(reasonOutsideTolerance)
	}
	tsText := strconv.FormatInt(ts, 10)
	for _, key := range v.keys {
		mac := stripeMAC(key, tsText, body)
		for _, sig := range sigs {
			if hmac.Equal(sig, mac) {
				return nil
			}
		}
	}
	return fail(reasonNoMatch)
}

// stripeSigner produces Stripe-Signature headers.
type stripeSigner struct {
	key []byte
}

// Scheme returns "stripe".
func (s stripeSigner) Scheme() string { return SchemeStripe }

// Sign returns "Stripe-Signature: t=<ts>,v1=<hex>"; msgID is not signed.
func (s stripeSigner) Sign(_ string, ts time.Time, body []byte) (http.Header, error) {
	tsText := strconv.FormatInt(ts.Unix(), 10)
	h := make(http.Header, 1)
	h.Set(HeaderStripeSignature, "t="+tsText+",v1="+hex.EncodeToString(stripeMAC(s.key, tsText, body)))
	return h, nil
}
