package jsonpointer

import (
	"slices"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		pointer string
		errText string
	}{
		{"Properties/Id", "must start with /"},
		{"/a~", "~ must be followed by 0 or 1"},
		{"/a~2b", "~ must be followed by 0 or 1"},
		{"/~", "~ must be followed by 0 or 1"},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			_, err := Parse(tt.pointer)
			if err == nil || !strings.Contains(err.Error(), tt.errText) {
				t.Fatalf("error = %v, want one containing %q", err, tt.errText)
			}
		})
	}
}

func TestPointerEscapesDecodeInOrder(t *testing.T) {
	// RFC 6901: ~01 is "~1" (unescape ~1 after ~0 would wrongly give "/").
	p, err := Parse("/~01/~10")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Tokens(), []string{"~1", "/0"}; !slices.Equal(got, want) {
		t.Fatalf("tokens = %q, want %q", got, want)
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, body := range []string{``, `{'test':'test2'}`, `{"a":1} {"b":2}`, `{"a":1`, `nul`} {
		if _, err := Decode([]byte(body)); err == nil {
			t.Errorf("Decode(%q) succeeded, want an error", body)
		}
	}
}
