package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/hookgate/hookgate/jsonpointer"
	"io"
	"strconv"
)

// Pointer is an RFC 6901 JSON pointer, such as /Properties/NotificationId.
type Pointer = jsonpointer.Pointer

// ParsePointer parses an RFC 6901 JSON pointer.
func ParsePointer(s string) (Pointer, error) { return jsonpointer.Parse(s) }

// DecodeJSON decodes exactly one JSON value, keeping numbers as json.Number so
// their text is preserved.
func DecodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level value")
	}
	return doc, nil
}

// RenderValue renders a JSON value canonically as a key: a string as itself, a
// number as its JSON text, true and false as words, and an object or array as
// compact JSON with sorted keys. It returns false for null and for an empty
// string, which cannot identify anything.
func RenderValue(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, x != ""
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return "", false
		}
		return string(b), true
	}
}
