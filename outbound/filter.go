package outbound

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/hookgate/hookgate/jsonpointer"
)

// maxFilters bounds the entries of a subscription's filter.
const maxFilters = 50

// condition is one compiled filter entry: the value at a JSON pointer into
// the event's data must equal want.
type condition struct {
	pointer jsonpointer.Pointer
	want    any
}

// compileFilter parses a subscription's filter: JSON pointers (RFC 6901)
// mapped to the values they must point at. Entries are kept in pointer
// order so evaluation is deterministic.
func compileFilter(filter map[string]json.RawMessage) ([]condition, error) {
	if len(filter) > maxFilters {
		return nil, fmt.Errorf("filter has %d entries; at most %d are allowed", len(filter), maxFilters)
	}
	pointers := make([]string, 0, len(filter))
	for p := range filter {
		pointers = append(pointers, p)
	}
	sort.Strings(pointers)
	conds := make([]condition, 0, len(filter))
	for _, p := range pointers {
		ptr, err := jsonpointer.Parse(p)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", p, err)
		}
		want, err := jsonpointer.Decode(filter[p])
		if err != nil {
			return nil, fmt.Errorf("filter %q: value is not valid JSON: %w", p, err)
		}
		conds = append(conds, condition{pointer: ptr, want: want})
	}
	return conds, nil
}

// matchFilter reports whether every condition holds for the decoded data.
func matchFilter(conds []condition, data any) bool {
	for _, c := range conds {
		got, ok := c.pointer.Lookup(data)
		if !ok || !jsonEqual(got, c.want) {
			return false
		}
	}
	return true
}
