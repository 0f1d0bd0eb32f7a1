package jsonpointer

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	const doc = ` {"Properties" : {"NotificationId":"3b3f", "Attempt":1},
		"list":[ {"x":"first"} , {"x":"sec\"ond"}, [1, [2]] ],
		"dup":1, "dup":{"last":true}, "esc\u0061ped":"yes", "a/b":{"~":"tilde"},
		"n":null, "num":-1.5e3, "":"empty key", "s":"a\\\"b}]"} `
	tests := []struct {
		pointer string
		want    string // the raw JSON text; "" when nothing is found
	}{
		{"", strings.TrimSpace(doc)},
		{"/Properties/NotificationId", `"3b3f"`},
		{"/Properties/Attempt", `1`},
		{"/Properties", `{"NotificationId":"3b3f", "Attempt":1}`},
		{"/list/0/x", `"first"`},
		{"/list/1/x", `"sec\"ond"`},
		{"/list/2/1/0", `2`},
		{"/list/2", `[1, [2]]`},
		{"/dup", `{"last":true}`},
		{"/dup/last", `true`},
		{"/escaped", `"yes"`},
		{"/a~1b/~0", `"tilde"`},
		{"/n", `null`},
		{"/num", `-1.5e3`},
		{"/", `"empty key"`},
		{"/s", `"a\\\"b}]"`},
		{"/list/3", ""},
		{"/list/01", ""},
		{"/list/-", ""},
		{"/list/x", ""},
		{"/Properties/Missing", ""},
		{"/num/0", ""},
		{"/Properties/NotificationId/0", ""},
		{"/properties", ""},
	}
	for _, tt := range tests {
		t.Run(tt.pointer, func(t *testing.T) {
			p, err := Parse(tt.pointer)
			if err != nil {
				t.Fatal(err)
			}
			raw, ok := p.Find([]byte(doc))
			if got := string(raw); ok != (tt.want != "") || got != tt.want {
				t.Fatalf("Find = %q, %v; want %q", got, ok, tt.want)
			}
			checkAgainstLookup(t, p, []byte(doc))
		})
	}
}

// checkAgainstLookup fails when Find and Lookup on the decoded document
// disagree about doc, which must be valid JSON.
func checkAgainstLookup(t *testing.T, p Pointer, doc []byte) {
	t.Helper()
	full, err := Decode(doc)
	if err != nil {
		t.Fatalf("valid JSON does not decode: %v", err)
	}
	want, wantOK := p.Lookup(full)
	raw, ok := p.Find(doc)
	if ok != wantOK {
		t.Fatalf("pointer %q in %q: Find found %v, Lookup %v", p, doc, ok, wantOK)
	}
	if !ok {
		return
	}
	got, err := Decode(raw)
	if err != nil {
		t.Fatalf("pointer %q in %q: Find returned %q, which does not decode: %v", p, doc, raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("pointer %q in %q: Find gives %#v, Lookup %#v", p, doc, got, want)
	}
}

// FuzzFindAgreesWithLookup checks Find against decoding the whole document.
func FuzzFindAgreesWithLookup(f *testing.F) {
	f.Add("/a/1", `{"a":[0,{"b":"\"}"}]}`)
	f.Add("/k", `{"k":1,"k":[2]}`)
	f.Add("/\u00e9", `{"\u00e9":1, "\xff":2}`)
	f.Add("/\ufffd", `{"\xff":2}`)
	f.Add("", ` [ true , false , null ] `)
	f.Fuzz(func(t *testing.T, pointer, doc string) {
		p, err := Parse(pointer)
		if err != nil || !json.Valid([]byte(doc)) {
			return
		}
		checkAgainstLookup(t, p, []byte(doc))
	})
}

// BenchmarkFind compares Find with decoding the whole body, on a 1 KiB
// XTND-shaped webhook (the bench's body).
func BenchmarkFind(b *testing.B) {
	head := `{"Id":"evt-1","Attempt":1,"Properties":{"NotificationId":"evt-1"},"Notifications":[{"Action":"bench.created","Details":{"pad":"`
	tail := `"}}]}`
	doc := []byte(head + strings.Repeat("x", 1024-len(head)-len(tail)) + tail)
	p, _ := Parse("/Properties/NotificationId")
	b.Run("valid+find", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(doc) {
				b.Fatal("invalid")
			}
			raw, _ := p.Find(doc)
			if _, err := Decode(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode+lookup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v, err := Decode(doc)
			if err != nil {
				b.Fatal(err)
			}
			p.Lookup(v)
		}
	})
}
