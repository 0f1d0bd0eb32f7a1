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
const payloadVersion = 2

// payload is what a receiver stores for one event: everything the forwarder
// needs to replay the provider's request to the app, plus what the last
// failed attempt said (for dead letters).
//
// It is stored as a version byte, the length (uvarint) and JSON of the
// fields other than Body, then the body as it arrived: the body is most of
// the bytes, and JSON would store it in base64, a third larger and decoded
// again on every attempt.
type payload struct {
	Version    int         `json:"-"`
	ReceivedAt time.Time   `json:"received_at"`
	Verified   string      `json:"verified"`
	Header     http.Header `json:"header,omitempty"`
	Body       []byte      `json:"-"`
	// LastError is why the last attempt failed; it never holds a secret.
	LastError     string    `json:"last_error,omitempty"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
}

// encode returns the stored form of p.
func (p *payload) encode() []byte {
	p.Version = payloadVersion
	meta, _ := json.Marshal(p) // a payload always marshals
	b := make([]byte, 0, 1+binary.MaxVarintLen64+len(meta)+len(p.Body))
	b = append(b, payloadVersion)
	b = binary.AppendUvarint(b, uint64(len(meta)))
	b = append(b, meta...)
	return append(b, p.Body...)
}

// decodePayload parses a stored payload.
func decodePayload(b []byte) (*payload, error) {
	if len(b) == 0 || b[0] != payloadVersion {
		if len(b) == 0 {
			return nil, errors.New("decoding stored event: empty")
		}
		return nil, fmt.Errorf("decoding stored event: unknown format version %d", b[0])
	}
	n, size := binary.Uvarint(b[1:])
	if size <= 0 || n > uint64(len(b)-1-size) {
		return nil, errors.New("decoding stored event: bad header length")
	}
	meta := b[1+size : 1+size+int(n)]
	var p payload
	if err := json.Unmarshal(meta, &p); err != nil {
		return nil, fmt.Errorf("decoding stored event: %w", err)
	}
	p.Version = payloadVersion
	p.Body = b[1+size+int(n):]
	if p.Header == nil {
		p.Header = make(http.Header)
	}
	return &p, nil
}
