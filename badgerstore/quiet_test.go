package badgerstore

import (
	"testing"
	"time"
)

func TestQuietStepsAreDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	type look struct {
		writes uint64
		at     time.Time
		want   bool
	}
	tests := []struct {
		name  string
		looks []look
	}{
		{"first look only records", []look{{5000, at(0), false}}},
		{"each step once, in order", []look{
			{5000, at(0), false},
			{5000, at(4 * time.Second), false},
			{5000, at(5 * time.Second), true},
			{5000, at(6 * time.Second), false},
			{5000, at(29 * time.Second), false},
			{5000, at(30 * time.Second), true},
			{5000, at(time.Hour), false},
		}},
		{"a late look runs one step at a time", []look{
			{5000, at(0), false},
			{5000, at(time.Minute), true},
			{5000, at(time.Minute + time.Second), true},
			{5000, at(2 * time.Minute), false},
		}},
		{"a write restarts the count", []look{
			{5000, at(0), false},
			{5000, at(5 * time.Second), true},
			{5001, at(6 * time.Second), false},
			{5001, at(10 * time.Second), false},
			{5001, at(11 * time.Second), true},
			{5001, at(36 * time.Second), true},
		}},
		{"too few writes since open", []look{
			{999, at(0), false},
			{999, at(5 * time.Second), false},
			{999, at(30 * time.Second), false},
		}},
		{"a trickle after a burst waits for its thousandth write", []look{
			{5000, at(0), false},
			{5000, at(5 * time.Second), true},
			{5000, at(30 * time.Second), true},
			{5002, at(40 * time.Second), false},
			{5002, at(45 * time.Second), false},
			{5002, at(70 * time.Second), false},
			{6000, at(80 * time.Second), false},
			{6000, at(85 * time.Second), true},
			{6000, at(110 * time.Second), true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q quietState
			for i, l := range tt.looks {
				if got := q.due(l.writes, l.at); got != l.want {
					t.Fatalf("look %d (%d writes at %v): due %v, want %v", i, l.writes, l.at.Sub(t0), got, l.want)
				}
			}
		})
	}
}
