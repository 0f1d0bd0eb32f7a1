package badgerstore

import (
	"testing"
	"time"
)

func TestQuietStepsAreDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type look struct {
		commits uint64
		at      time.Time
		want    bool
	}
	tests := []struct {
		name  string
		looks []look
	}{
		{"first look only records", []look{{5, at(0), false}}},
		{"each step once, in order", []look{
			{5, at(0), false},
			{5, at(4 * time.Second), false},
			{5, at(5 * time.Second), true},
			{5, at(6 * time.Second), false},
			{5, at(29 * time.Second), false},
			{5, at(30 * time.Second), true},
			{5, at(time.Hour), false},
		}},
		{"a late look runs one step at a time", []look{
			{5, at(0), false},
			{5, at(time.Minute), true},
			{5, at(time.Minute + time.Second), true},
			{5, at(2 * time.Minute), false},
		}},
		{"a commit restarts the count", []look{
			{5, at(0), false},
			{5, at(5 * time.Second), true},
			{6, at(6 * time.Second), false},
			{6, at(10 * time.Second), false},
			{6, at(11 * time.Second), true},
		}},
		{"a store that never wrote is left alone", []look{
			{0, at(0), false},
			{0, at(5 * time.Second), false},
			{0, at(30 * time.Second), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q quietState
			for i, l := range tt.looks {
				if got := q.due(l.commits, l.at); got != l.want {
					t.Fatalf("look %d (commits %d at %v): due %v, want %v", i, l.commits, l.at.Sub(t0), got, l.want)
				}
			}
		})
	}
}
