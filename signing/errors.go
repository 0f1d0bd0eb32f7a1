package signing

import "strings"

// Error is a verification failure. Its Reason is a short lowercase text that
// is safe to log and to send back to the provider: it names what was wrong
// (a missing header, a stale timestamp, no matching signature) but never
// contains a secret or a signature value.
type Error struct {
	Reason string
}

// Error returns the reason.
func (e *Error) Error() string { return e.Reason }

// Reasons shared by several schemes. Reasons that name a header are built by
// the helpers below from the header name only, never from a header value.
const (
	reasonNoMatch          = "no matching signature"
	reasonOutsideTolerance = "timestamp outside tolerance"
)

// fail returns an *Error carrying reason.
func fail(reason string) error { return &Error{Reason: reason} }

// missingHeader reports that the named header is absent or empty.
func missingHeader(name string) error {
	return fail("missing " + strings.ToLower(name) + " header")
}

// malformedHeader reports that the named header could not be parsed.
func malformedHeader(name string) error {
	return fail("malformed " + strings.ToLower(name) + " header")
}
