package outbound

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// formats lists the body formats a subscription may choose.
var formats = map[string]bool{FormatStandard: true, FormatXTND: true, FormatXena: true, FormatRaw: true}

// defaultSignature returns the signature scheme a format uses unless the
// subscription names another: XTND signs with ms-signature, the rest with
// Standard Webhooks.
func defaultSignature(format string) string {
	if format == FormatXTND {
		return "ms_signature"
	}
	return "standard"
}

// standardBody is the Standard Webhooks payload, plus the subscription's
// increment_id.
type standardBody struct {
	Type        string          `json:"type"`
	Timestamp   string          `json:"timestamp"`
	IncrementID uint64          `json:"increment_id"`
	Data        json.RawMessage `json:"data"`
}

// xtndBody is Extend Commerce's notification envelope.
type xtndBody struct {
	ID            string             `json:"Id"`
	Attempt       int                `json:"Attempt"`
	Properties    xtndProperties     `json:"Properties"`
	Notifications []xtndNotification `json:"Notifications"`
}

type xtndProperties struct {
	NotificationID string `json:"NotificationId"`
}

type xtndNotification struct {
	Action  string          `json:"Action"`
	Details json.RawMessage `json:"Details"`
}

// xenaBody is Xena's payload: which entity changed and how.
type xenaBody struct {
	EntityType  string          `json:"EntityType"`
	EntityID    json.RawMessage `json:"EntityId"`
	EntityEvent string          `json:"EntityEvent"`
}

// render builds the body of one delivery attempt in the subscription's
// format. deliveryID and attempt vary per delivery and attempt; seq is the
// delivery's increment_id.
func render(format string, ev *jobPayload, deliveryID string, seq uint64, attempt int) ([]byte, error) {
	data := ev.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	switch format {
	case FormatStandard, "":
		return json.Marshal(standardBody{
			Type:        ev.Type,
			Timestamp:   ev.Published.UTC().Format(time.RFC3339Nano),
			IncrementID: seq,
			Data:        data,
		})
	case FormatXTND:
		return json.Marshal(xtndBody{
			ID:            deliveryID,
			Attempt:       attempt,
			Properties:    xtndProperties{NotificationID: ev.EventID},
			Notifications: []xtndNotification{{Action: ev.Type, Details: data}},
		})
	case FormatXena:
		entityType, event := splitXenaType(ev.Type)
		return json.Marshal(xenaBody{EntityType: entityType, EntityID: xenaEntityID(ev.EntityID), EntityEvent: event})
	case FormatRaw:
		return data, nil
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// splitXenaType splits "<EntityType>.<Event>" at its last dot; a type
// without a dot is all entity type.
func splitXenaType(t string) (entityType, event string) {
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return t, ""
}

// xenaEntityID writes an integer id as a JSON number, as Xena does
// ("EntityId": 7), any other id as a string, and no id as null.
func xenaEntityID(id string) json.RawMessage {
	if id == "" {
		return json.RawMessage("null")
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
		return json.RawMessage(id)
	}
	b, _ := json.Marshal(id)
	return b
}
