package signing

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenVerifier compares a shared token from a header or a query parameter
// with each configured secret. It compares SHA-256 digests of equal length in
// constant time, so neither the content nor the length of a secret leaks
// through timing.
type tokenVerifier struct {
	header  string
	query   string
	prefix  string
	digests [][sha256.Size]byte
}

// newTokenVerifier validates c for the token scheme.
func newTokenVerifier(c Config) (*tokenVerifier, error) {
	v := &tokenVerifier{
		header: strings.TrimSpace(c.Header),
		query:  strings.TrimSpace(c.Query),
		prefix: c.Prefix,
	}
	if v.header == "" && v.query == "" {
		return nil, errors.New("header or query is required")
	}
	v.digests = make([][sha256.Size]byte, len(c.Secrets))
	for i, s := range c.Secrets {
		v.digests[i] = sha256.Sum256([]byte(s))
	}
	return v, nil
}

// Scheme returns "token".
func (v *tokenVerifier) Scheme() string { return SchemeToken }

// Verify takes the token from the header when one is configured and present,
// otherwise from the query parameter, strips the configured prefix, and
// compares it with every secret.
func (v *tokenVerifier) Verify(header http.Header, query url.Values, _ []byte, _ time.Time) error {
	token := ""
	if v.header != "" {
		token = header.Get(v.header)
	}
	if token == "" && v.query != "" {
		token = query.Get(v.query)
	}
	if token == "" {
		return fail(v.missingReason())
	}
	if v.prefix != "" {
		if len(token) < len(v.prefix) || !strings.EqualFold(token[:len(v.prefix)], v.prefix) {
			return fail("token lacks the expected prefix")
		}
		token = token[len(v.prefix):]
	}
	got := sha256.Sum256([]byte(token))
	match := 0
	for i := range v.digests {
		match |= subtle.ConstantTimeCompare(got[:], v.digests[i][:])
	}
	if match != 1 {
		return fail("token does not match")
	}
	return nil
}

// missingReason names where the token was expected.
func (v *tokenVerifier) missingReason() string {
	switch {
	case v.header != "" && v.query != "":
		return "missing token in " + strings.ToLower(v.header) + " header or " + v.query + " query parameter"
	case v.header != "":
		return "missing " + strings.ToLower(v.header) + " header"
	default:
		return "missing " + v.query + " query parameter"
	}
}
