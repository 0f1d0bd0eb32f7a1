package receiver

import (
	"net/http"

	"github.com/hookgate/hookgate/jsonpointer"
)

// incoming is a provider's request once its body is read: what the dedupe and
// sequence rules look at. The body is decoded as JSON at most once, and only
// when a rule needs it.
type incoming struct {
	header  http.Header
	body    []byte
	decoded bool
	doc     any
	docErr  error
}

// value returns the JSON value at p, or a 400 rejection naming what was
// looked for when the body is not JSON or p refers to nothing.
func (ev *incoming) value(p Pointer, what string) (any, error) {
	if !ev.decoded {
		ev.doc, ev.docErr = jsonpointer.Decode(ev.body)
		ev.decoded = true
	}
	if ev.docErr != nil {
		return nil, badRequest("body is not valid json (the " + what + " is read from " + p.String() + ")")
	}
	v, ok := p.Lookup(ev.doc)
	if !ok {
		return nil, badRequest("the " + what + " " + p.String() + " is absent from the body")
	}
	return v, nil
}

// lookup is value rendered as a key; null and the empty string are absent.
func (ev *incoming) lookup(p Pointer, what string) (string, error) {
	v, err := ev.value(p, what)
	if err != nil {
		return "", err
	}
	s, ok := RenderValue(v)
	if !ok {
		return "", badRequest("the " + what + " " + p.String() + " is null or empty")
	}
	return s, nil
}

// rejection is a request refused before anything was stored. Its reason is
// sent to the provider and logged, so it never holds a secret or signature.
type rejection struct {
	status  int
	outcome string
	reason  string
}

// Error returns the reason.
func (r *rejection) Error() string { return r.reason }

// badRequest is a 400 rejection.
func badRequest(reason string) error {
	return &rejection{status: http.StatusBadRequest, outcome: RequestBadRequest, reason: reason}
}
