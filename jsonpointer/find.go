package jsonpointer

import (
	"bytes"
	"encoding/json"
)

// Find returns the JSON text of the value p refers to in doc, and false when
// it refers to nothing. doc must be one valid JSON document (json.Valid):
// Find does not check it again. It answers as Lookup(Decode(doc)) would,
// duplicate object keys included (the last one wins), without decoding the
// rest of the document: a receiver reads one dedupe key from each body.
func (p Pointer) Find(doc []byte) ([]byte, bool) {
	pos := skipSpace(doc, 0)
	for _, tok := range p.tokens {
		var ok bool
		switch doc[pos] {
		case '{':
			pos, ok = findMember(doc, pos, tok)
		case '[':
			pos, ok = findElement(doc, pos, tok)
		}
		if !ok {
			return nil, false
		}
	}
	return doc[pos:skipValue(doc, pos)], true
}

// findMember returns where the value of the last member named name begins
// in the object at doc[pos].
func findMember(doc []byte, pos int, name string) (int, bool) {
	at, found := 0, false
	pos = skipSpace(doc, pos+1)
	for doc[pos] != '}' {
		end := skipString(doc, pos)
		key := doc[pos:end]
		pos = skipSpace(doc, end)
		pos = skipSpace(doc, pos+1) // the colon
		if keyEquals(key, name) {
			at, found = pos, true
		}
		pos = skipSpace(doc, skipValue(doc, pos))
		if doc[pos] == ',' {
			pos = skipSpace(doc, pos+1)
		}
	}
	return at, found
}

// keyEquals reports whether quoted, a JSON string with its quotes, decodes
// to name. Only keys with escapes or invalid UTF-8 need decoding.
func keyEquals(quoted []byte, name string) bool {
	if raw := quoted[1 : len(quoted)-1]; decodesToItself(raw) {
		return string(raw) == name
	}
	var s string
	return json.Unmarshal(quoted, &s) == nil && s == name
}

// findElement returns where element tok (an RFC 6901 array index) begins
// in the array at doc[pos].
func findElement(doc []byte, pos int, tok string) (int, bool) {
	want, ok := arrayIndex(tok)
	if !ok {
		return 0, false
	}
	pos = skipSpace(doc, pos+1)
	for i := 0; doc[pos] != ']'; i++ {
		if i == want {
			return pos, true
		}
		pos = skipSpace(doc, skipValue(doc, pos))
		if doc[pos] == ',' {
			pos = skipSpace(doc, pos+1)
		}
	}
	return 0, false
}

// skipValue returns the end of the valid JSON value that begins at doc[pos].
func skipValue(doc []byte, pos int) int {
	switch doc[pos] {
	case '"':
		return skipString(doc, pos)
	case '{', '[':
		depth := 0
		for {
			switch doc[pos] {
			case '"':
				pos = skipString(doc, pos)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return pos + 1
				}
			}
			pos++
		}
	default: // a number, true, false or null
		for pos < len(doc) {
			switch doc[pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return pos
			}
			pos++
		}
		return pos
	}
}

// skipString returns the end of the valid JSON string that begins at
// doc[pos], after its closing quote.
func skipString(doc []byte, pos int) int {
	pos++
	for {
		i := bytes.IndexAny(doc[pos:], `"\`)
		pos += i
		if doc[pos] == '"' {
			return pos + 1
		}
		pos += 2 // a backslash and the character it escapes
	}
}

// skipSpace returns the first position at or after pos that is not JSON
// whitespace.
func skipSpace(doc []byte, pos int) int {
	for pos < len(doc) {
		switch doc[pos] {
		case ' ', '\t', '\n', '\r':
			pos++
		default:
			return pos
		}
	}
	return pos
}
