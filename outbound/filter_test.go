package outbound

import (
	"encoding/json"
	"testing"

	"github.com/hookgate/hookgate/jsonpointer"
)

func TestFilterMatch(t *testing.T) {
	data := `{"Warehouse": "GreenWarehouse", "Qty": 5, "Price": 1.50, "Tags": ["a", "b"],
		"Order": {"Number": "RP-101", "a/b": true, "m~n": null}}`
	tests := []struct {
		name   string
		filter string
		want   bool
	}{
		{"no filter", `{}`, true},
		{"string equal", `{"/Warehouse": "GreenWarehouse"}`, true},
		{"string differs", `{"/Warehouse": "BlueWarehouse"}`, false},
		{"number equal", `{"/Qty": 5}`, true},
		{"number equal in another notation", `{"/Qty": 5.0, "/Price": 15e-1}`, true},
		{"number differs", `{"/Qty": 6}`, false},
		{"number against string", `{"/Qty": "5"}`, false},
		{"nested", `{"/Order/Number": "RP-101"}`, true},
		{"escaped slash", `{"/Order/a~1b": true}`, true},
		{"escaped tilde and null", `{"/Order/m~0n": null}`, true},
		{"array index", `{"/Tags/1": "b"}`, true},
		{"array index out of range", `{"/Tags/2": "b"}`, false},
		{"whole array", `{"/Tags": ["a", "b"]}`, true},
		{"array order matters", `{"/Tags": ["b", "a"]}`, false},
		{"missing key", `{"/Missing": null}`, false},
		{"all must hold", `{"/Warehouse": "GreenWarehouse", "/Qty": 6}`, false},
		{"object equality", `{"/Order": {"Number": "RP-101", "a/b": true, "m~n": null}}`, true},
		{"object with a key less", `{"/Order": {"Number": "RP-101"}}`, false},
	}
	doc, err := jsonpointer.Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.filter), &f); err != nil {
				t.Fatal(err)
			}
			conds, err := compileFilter(f)
			if err != nil {
				t.Fatalf("compileFilter: %v", err)
			}
			if got := matchFilter(conds, doc); got != tt.want {
				t.Fatalf("matchFilter(%s) = %v, want %v", tt.filter, got, tt.want)
			}
		})
	}
}

func TestCompileFilterErrors(t *testing.T) {
	tests := []struct {
		name   string
		filter map[string]json.RawMessage
	}{
		{"pointer without slash", map[string]json.RawMessage{"Warehouse": json.RawMessage(`"x"`)}},
		{"bad escape", map[string]json.RawMessage{"/a~2": json.RawMessage(`"x"`)}},
		{"dangling tilde", map[string]json.RawMessage{"/a~": json.RawMessage(`"x"`)}},
		{"bad value", map[string]json.RawMessage{"/a": json.RawMessage(`{`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := compileFilter(tt.filter); err == nil {
				t.Fatal("compileFilter accepted an invalid filter")
			}
		})
	}
}

func TestJSONContains(t *testing.T) {
	tests := []struct {
		got, want string
		ok        bool
	}{
		{`{"Success": true}`, `{"Success": true}`, true},
		{`{"Success": true, "Id": 7}`, `{"Success": true}`, true},
		{`{"Success": false}`, `{"Success": true}`, false},
		{`{"success": true}`, `{"Success": true}`, false},
		{`{"Result": {"Success": true, "More": 1}}`, `{"Result": {"Success": true}}`, true},
		{`[1, 2]`, `[1, 2]`, true},
		{`[1, 2, 3]`, `[1, 2]`, false},
		{`"ok"`, `"ok"`, true},
		{`{}`, `{"Success": true}`, false},
		{`{"n": 1.0}`, `{"n": 1}`, true},
	}
	for _, tt := range tests {
		if ok := carries([]byte(tt.got), []byte(tt.want)); ok != tt.ok {
			t.Errorf("carries(%s, %s) = %v, want %v", tt.got, tt.want, ok, tt.ok)
		}
	}
	if carries([]byte(`not json`), []byte(`{"Success": true}`)) {
		t.Error("a body that is not JSON carries success_body")
	}
}
