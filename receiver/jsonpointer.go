package receiver

import (
	"encoding/json"
	"strconv"

	"github.com/hookgate/hookgate/jsonpointer"
)

// Pointer is an RFC 6901 JSON pointer, such as /Properties/NotificationId.
type Pointer = jsonpointer.Pointer

// ParsePointer parses an RFC 6901 JSON pointer.
func ParsePointer(s string) (Pointer, error) { return jsonpointer.Parse(s) }

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
