package receiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// payloadVersion is the version of the job payload format written now.
const payloadVersion = 1

// payload is what a receiver stores for one event: everything the forwarder
// needs to replay the provider's request to the app, plus what the last
// failed attempt said (for dead letters). It is stored as JSON.
type payload struct {
	Version    int         `json:"v"`
	ReceivedAt time.Time   `json:"received_at"`
	Verified   string      `json:"verified"`
	Header     http.Header `json:"header,omitempty"`
	Body       []byte      `json:"body"`
	// LastError is why the last attempt failed; it never holds a secret.
	LastError     string    `json:"last_error,omitempty"`
	LastAttemptAt time.Time `json:"last_attempt_at,omitzero"`
}

// encode returns the stored form of p.
func (p *payload) encode() []byte {
	p.Version = payloadVersion
	b, _ := json.Marshal(p) // a payload always marshals
	return b
}

// decodePayload parses a stored payload.
func decodePayload(b []byte) (*payload, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decoding stored event: %w", err)
	}
	if p.Version != payloadVersion {
		return nil, fmt.Errorf("decoding stored event: unknown format version %d", p.Version)
	}
	if p.Header == nil {
		p.Header = make(http.Header)
	}
	return &p, nil
}
