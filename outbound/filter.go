package outbound

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxFilters bounds the entries of a subscription's filter.
const maxFilters = 50

// condition is one compiled filter entry: the value at a JSON pointer into
// the event's data must equal want.
type condition struct {
	tokens []string
	want   any
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
		tokens, err := parsePointer(p)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", p, err)
		}
		want, err := decodeJSON(filter[p])
		if err != nil {
			return nil, fmt.Errorf("filter %q: value is not valid JSON: %w", p, err)
		}
		conds = append(conds, condition{tokens: tokens, want: want})
	}
	return conds, nil
}

// matchFilter reports whether every condition holds for the decoded data.
func matchFilter(conds []condition, data any) bool {
	for _, c := range conds {
		got, ok := resolvePointer(data, c.tokens)
		if !ok || !jsonEqual(got, c.want) {
			return false
		}
	}
	return true
}

// parsePointer splits a JSON pointer into its unescaped reference tokens.
// "" is the whole document.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("a JSON pointer must start with \"/\"")
	}
	parts := strings.Split(p[1:], "/")
	for i, part := range parts {
		for j := 0; j < len(part); j++ {
			if part[j] == '~' && (j+1 == len(part) || (part[j+1] != '0' && part[j+1] != '1')) {
				return nil, fmt.Errorf("\"~\" must be followed by 0 or 1 in a JSON pointer")
			}
		}
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
	}
	return parts, nil
}

// resolvePointer returns the value the tokens point at, and false when it
// does not exist.
func resolvePointer(v any, tokens []string) (any, bool) {
	for _, tok := range tokens {
		switch node := v.(type) {
		case map[string]any:
			next, ok := node[tok]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(node) || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			v = node[i]
		default:
			return nil, false
		}
	}
	return v, true
}
