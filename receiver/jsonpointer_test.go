package receiver

import (
	"slices"
	"strings"
	"testing"

	"github.com/hookgate/hookgate/jsonpointer"
)

// rfc6901Doc is the example document of RFC 6901 section 5.
const rfc6901Doc = `{
	"foo": ["bar", "baz"],
	"": 0,
	"a/b": 1,
	"c%d": 2,
	"e^f": 3,
	"g|h": 4,
	"i\\j": 5,
	"k\"l": 6,
	" ": 7,
	"m~n": 8
}`

func TestPointerRFC6901Examples(t *testing.T) {
	doc, err := jsonpointer.Decode([]byte(rfc6901Doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		pointer string
		want    string // rendered; "" with ok=false for whole-document cases below
	}{
		{"/foo/0", "bar"},
		{"/foo/1", "baz"},
		{"/", "0"},
		{"/a~1b", "1"},
		{"/c%d", "2"},
		{"/e^f", "3"},
		{"/g|h", "4"},
		{"/i\\j", "5"},
		{"/k\"l", "6"},
		{"/ ", "7"},
		{"/m~0n", "8"},
		{"/foo", `["bar","baz"]`},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			p, err := ParsePointer(tt.pointer)
			if err != nil {
				t.Fatalf("ParsePointer: %v", err)
			}
			v, ok := p.Lookup(doc)
			if !ok {
				t.Fatalf("Lookup found nothing")
			}
			got, ok := RenderValue(v)
			if !ok || got != tt.want {
				t.Fatalf("got %q (ok=%v), want %q", got, ok, tt.want)
			}
		})
	}
}

func TestPointerLookup(t *testing.T) {
	const body = `{"Properties":{"NotificationId":"3b3f","Attempt":1},"id":12345678901234567890,
		"f":1.50,"neg":-3,"t":true,"n":null,"e":"","list":[{"x":"first"},{"x":"second"}],
		"obj":{"b":2,"a":1},"01":"zero-one"}`
	doc, err := jsonpointer.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pointer string
		want    string
		found   bool // Lookup finds a value
		render  bool // RenderValue accepts it as a key
	}{
		{"nested string", "/Properties/NotificationId", "3b3f", true, true},
		{"number keeps its text beyond float64", "/id", "12345678901234567890", true, true},
		{"decimal keeps trailing zero", "/f", "1.50", true, true},
		{"negative number", "/neg", "-3", true, true},
		{"boolean", "/t", "true", true, true},
		{"array by index", "/list/1/x", "second", true, true},
		{"object rendered as sorted compact json", "/obj", `{"a":1,"b":2}`, true, true},
		{"object key that looks like an index", "/01", "zero-one", true, true},
		{"null is not a key", "/n", "", true, false},
		{"empty string is not a key", "/e", "", true, false},
		{"absent member", "/Properties/Missing", "", false, false},
		{"index out of range", "/list/2", "", false, false},
		{"index with leading zero", "/list/01", "", false, false},
		{"dash is past the end", "/list/-", "", false, false},
		{"negative index", "/list/-1", "", false, false},
		{"descending into a string", "/Properties/NotificationId/0", "", false, false},
		{"descending into a number", "/id/x", "", false, false},
		{"case matters", "/properties/NotificationId", "", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePointer(tt.pointer)
			if err != nil {
				t.Fatalf("ParsePointer(%q): %v", tt.pointer, err)
			}
			v, found := p.Lookup(doc)
			if found != tt.found {
				t.Fatalf("Lookup found=%v, want %v", found, tt.found)
			}
			got, ok := RenderValue(v)
			if ok != tt.render || got != tt.want {
				t.Fatalf("RenderValue = %q, %v; want %q, %v", got, ok, tt.want, tt.render)
			}
		})
	}
}

// escapeToken is the inverse of unescapeToken.
func escapeToken(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func FuzzJSONPointer(f *testing.F) {
	f.Add("/foo/0", rfc6901Doc)
	f.Add("/a~1b/~0", `{"a/b":{"~":[1,2,3]}}`)
	f.Add("/list/01", `{"list":[1,2]}`)
	f.Add("/~2", `[]`)
	f.Add("", `"x"`)
	f.Fuzz(func(t *testing.T, pointer, body string) {
		p, err := ParsePointer(pointer)
		if err != nil {
			return
		}
		// Escaping the parsed tokens again gives back a pointer that
		// parses to the same tokens.
		var b strings.Builder
		for _, tok := range p.Tokens() {
			b.WriteString("/" + escapeToken(tok))
		}
		again, err := ParsePointer(b.String())
		if err != nil {
			t.Fatalf("re-escaped pointer %q does not parse: %v", b.String(), err)
		}
		if !slices.Equal(again.Tokens(), p.Tokens()) {
			t.Fatalf("tokens %q became %q", p.Tokens(), again.Tokens())
		}
		doc, err := jsonpointer.Decode([]byte(body))
		if err != nil {
			return
		}
		if v, ok := p.Lookup(doc); ok {
			RenderValue(v) // must not panic
		}
	})
}
