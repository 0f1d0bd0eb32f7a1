// Package jsonpointer parses RFC 6901 JSON pointers and looks them up in
// decoded JSON documents. The receiver uses it for dedupe keys and sequence
// numbers, the dispatcher for subscription filters.
package jsonpointer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pointer is a parsed RFC 6901 JSON pointer, such as /Properties/NotificationId.
// The empty pointer refers to the whole document.
type Pointer struct {
	text   string
	tokens []string
}

// Parse parses an RFC 6901 JSON pointer. It must be empty or start with
// "/", and "~" may only appear as "~0" (a literal "~") or "~1" (a literal "/").
func Parse(s string) (Pointer, error) {
	if s == "" {
		return Pointer{}, nil
	}
	if s[0] != '/' {
		return Pointer{}, fmt.Errorf("JSON pointer %q must start with /", s)
	}
	parts := strings.Split(s[1:], "/")
	for i, p := range parts {
		tok, err := unescapeToken(p)
		if err != nil {
			return Pointer{}, fmt.Errorf("JSON pointer %q: %w", s, err)
		}
		parts[i] = tok
	}
	return Pointer{text: s, tokens: parts}, nil
}

// unescapeToken turns ~1 into / and ~0 into ~, in that order as RFC 6901
// requires, and rejects any other use of ~.
func unescapeToken(p string) (string, error) {
	if !strings.Contains(p, "~") {
		return p, nil
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '~' {
			b.WriteByte(p[i])
			continue
		}
		if i+1 >= len(p) || (p[i+1] != '0' && p[i+1] != '1') {
			return "", errors.New("~ must be followed by 0 or 1")
		}
		if p[i+1] == '0' {
			b.WriteByte('~')
		} else {
			b.WriteByte('/')
		}
		i++
	}
	return b.String(), nil
}

// String returns the pointer as it was written.
func (p Pointer) String() string { return p.text }

// Tokens returns the unescaped reference tokens.
func (p Pointer) Tokens() []string { return append([]string(nil), p.tokens...) }

// Lookup returns the value the pointer refers to in doc, a decoded JSON document
// (objects as map[string]any, arrays as []any), and false when it refers to nothing.
func (p Pointer) Lookup(doc any) (any, bool) {
	cur := doc
	for _, tok := range p.tokens {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, ok := arrayIndex(tok)
			if !ok || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// arrayIndex parses an RFC 6901 array index: "0" or a decimal number without
// leading zeros. "-" (the element after the last) never exists for a lookup.
func arrayIndex(tok string) (int, bool) {
	if tok == "" || (len(tok) > 1 && tok[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(tok); i++ {
		if tok[i] < '0' || tok[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(tok)
	if err != nil {
		return 0, false
	}
	return i, true
}

// Decode decodes exactly one JSON document for Lookup, keeping numbers as
// json.Number so their text (and exact value) is preserved.
func Decode(b []byte) (any, error) {
	if s, ok := plainString(b); ok {
		return s, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
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

// plainString decodes b when it is exactly a JSON string without escapes
// (most ids and keys): no decoder is needed.
func plainString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || !decodesToItself(b[1:len(b)-1]) {
		return "", false
	}
	return string(b[1 : len(b)-1]), true
}

// decodesToItself reports whether raw, the inside of a JSON string, is
// its own decoded value: no escapes, no control characters, valid UTF-8
// (decoding replaces invalid bytes).
func decodesToItself(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(raw)
}
