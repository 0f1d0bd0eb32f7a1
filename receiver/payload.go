package receiver

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// payloadVersion is the version of the job payload format written now.
// Version 2 (a JSON header before the body) is still read, for events
// stored before an upgrade.
const payloadVersion = 3

// payload is what a receiver stores for one event: everything the forwarder
// needs to replay the provider's request to the app, plus what the last
// failed attempt said (for dead letters).
//
// It is stored as a version byte, the fields other than Body in a compact
// binary form, then the body as it arrived. Every forward decodes it, and
// decoding the same fields from JSON cost about 7% of Caddy's CPU in a
// profile of the ingest benchmark.
type payload struct {
	ReceivedAt time.Time
	Verified   string
	Header     http.Header
	Body       []byte
	// LastError is why the last attempt failed; it never holds a secret.
	LastError     string
	LastAttemptAt time.Time
}

// encode returns the stored form of p: the version, ReceivedAt, Verified,
// LastError, LastAttemptAt, the header (a count of names, then each name,
// its count of values and the values), then the body. Strings are a
// uvarint length and the bytes; times are a presence byte and the Unix
// time in nanoseconds (varint).
func (p *payload) encode() []byte {
	size := 1 + 4*binary.MaxVarintLen64 + len(p.Verified) + len(p.LastError) + len(p.Body)
	for name, values := range p.Header {
		size += 2*binary.MaxVarintLen64 + len(name)
		for _, v := range values {
			size += binary.MaxVarintLen64 + len(v)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, payloadVersion)
	b = appendTime(b, p.ReceivedAt)
	b = appendString(b, p.Verified)
	b = appendString(b, p.LastError)
	b = appendTime(b, p.LastAttemptAt)
	b = binary.AppendUvarint(b, uint64(len(p.Header)))
	for name, values := range p.Header {
		b = appendString(b, name)
		b = binary.AppendUvarint(b, uint64(len(values)))
		for _, v := range values {
			b = appendString(b, v)
		}
	}
	return append(b, p.Body...)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	return binary.AppendVarint(append(b, 1), t.UnixNano())
}

// decodePayload parses a stored payload of either version.
func decodePayload(b []byte) (*payload, error) {
	if len(b) == 0 {
		return nil, errors.New("decoding stored event: empty")
	}
	var (
		p   *payload
		err error
	)
	switch b[0] {
	case payloadVersion:
		p, err = decodeBinary(b[1:])
	case 2:
		p, err = decodeJSONHeader(b[1:])
	default:
		return nil, fmt.Errorf("decoding stored event: unknown format version %d", b[0])
	}
	if err != nil {
		return nil, fmt.Errorf("decoding stored event: %w", err)
	}
	if p.Header == nil {
		p.Header = make(http.Header)
	}
	return p, nil
}

// decodeBinary parses what encode wrote after the version byte.
func decodeBinary(b []byte) (*payload, error) {
	r := payloadReader{b: b}
	p := &payload{ReceivedAt: r.time(), Verified: r.string(), LastError: r.string(), LastAttemptAt: r.time()}
	names := r.count()
	if names > 0 {
		p.Header = make(http.Header, names)
	}
	for range names {
		name := r.string()
		values := make([]string, r.count())
		for i := range values {
			values[i] = r.string()
		}
		p.Header[name] = values
	}
	if r.err != nil {
		return nil, r.err
	}
	p.Body = r.b
	return p, nil
}

// payloadReader reads encode's fields; the first error sticks and later
// reads return zero values.
type payloadReader struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated or malformed header")

func (r *payloadReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a count of items, each of which takes at least one byte, so
// a corrupt count cannot make the caller allocate more than the input.
func (r *payloadReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = errTruncated
		return 0
	}
	return int(n)
}

func (r *payloadReader) string() string {
	n := r.count()
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *payloadReader) time() time.Time {
	if r.err != nil || len(r.b) == 0 {
		r.err = errTruncated
		return time.Time{}
	}
	present := r.b[0]
	r.b = r.b[1:]
	switch present {
	case 0:
		return time.Time{}
	case 1:
		v, n := binary.Varint(r.b)
		if n <= 0 {
			r.err = errTruncated
			return time.Time{}
		}
		r.b = r.b[n:]
		return time.Unix(0, v).UTC()
	}
	r.err = errTruncated
	return time.Time{}
}

// jsonHeader is the version-2 header: the fields other than Body as JSON.
type jsonHeader struct {
	ReceivedAt    time.Time   `json:"received_at"`
	Verified      string      `json:"verified"`
	Header        http.Header `json:"header,omitempty"`
	LastError     string      `json:"last_error,omitempty"`
	LastAttemptAt time.Time   `json:"last_attempt_at,omitzero"`
}

// decodeJSONHeader parses a version-2 payload after its version byte: the
// header's length (uvarint), the JSON header, then the body.
func decodeJSONHeader(b []byte) (*payload, error) {
	n, size := binary.Uvarint(b)
	if size <= 0 || n > uint64(len(b)-size) {
		return nil, errors.New("bad header length")
	}
	var h jsonHeader
	if err := json.Unmarshal(b[size:size+int(n)], &h); err != nil {
		return nil, err
	}
	return &payload{ReceivedAt: h.ReceivedAt, Verified: h.Verified, Header: h.Header, LastError: h.LastError,
		LastAttemptAt: h.LastAttemptAt, Body: b[size+int(n):]}, nil
}
