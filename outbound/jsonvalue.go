package outbound

import (
	"encoding/json"
	"math/big"
)

// jsonEqual reports whether two decoded JSON values are equal. Numbers are
// equal when their values are (1, 1.0 and 1e0 are the same number); objects
// when they hold the same keys with equal values; arrays element by element.
func jsonEqual(a, b any) bool {
	switch av := a.(type) {
	case nil:
		return b == nil
	case bool:
		bv, ok := b.(bool)
		return ok && av == bv
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case json.Number:
		bv, ok := b.(json.Number)
		return ok && numbersEqual(av, bv)
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !jsonEqual(av[i], bv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !jsonEqual(x, y) {
				return false
			}
		}
		return true
	}
	return false
}

// jsonContains reports whether got carries want: an object must hold each of
// want's keys with a value that carries want's value (extra keys are
// allowed); any other value must be equal. It is how success_body is
// matched against a response, so {"Success": true} accepts
// {"Success": true, "Id": 7}.
func jsonContains(got, want any) bool {
	wm, ok := want.(map[string]any)
	if !ok {
		return jsonEqual(got, want)
	}
	gm, ok := got.(map[string]any)
	if !ok {
		return false
	}
	for k, wv := range wm {
		gv, ok := gm[k]
		if !ok || !jsonContains(gv, wv) {
			return false
		}
	}
	return true
}

// numbersEqual compares two JSON numbers by value.
func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(string(a))
	y, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}
