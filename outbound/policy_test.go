package outbound

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func dur(d time.Duration) *Duration { v := Duration(d); return &v }

func TestPolicyMerge(t *testing.T) {
	base := DefaultPolicy()
	text := "stop"
	one := 1
	tests := []struct {
		name     string
		override Policy
		check    func(t *testing.T, p Policy)
	}{
		{"empty override keeps the defaults", Policy{}, func(t *testing.T, p Policy) {
			if !reflect.DeepEqual(p, base) {
				t.Fatalf("merged %+v, want the defaults", p)
			}
		}},
		{"timeout", Policy{Timeout: dur(time.Second)}, func(t *testing.T, p Policy) {
			if p.timeout() != time.Second || len(p.RetrySchedule) != 11 {
				t.Fatalf("timeout %s, schedule %d steps", p.timeout(), len(p.RetrySchedule))
			}
		}},
		{"schedule replaced whole", Policy{RetrySchedule: []Duration{Duration(time.Second)}}, func(t *testing.T, p Policy) {
			if len(p.RetrySchedule) != 1 {
				t.Fatalf("schedule %v", p.RetrySchedule)
			}
		}},
		{"empty schedule means no retries", Policy{RetrySchedule: []Duration{}}, func(t *testing.T, p Policy) {
			if p.RetrySchedule == nil || len(p.RetrySchedule) != 0 {
				t.Fatalf("schedule %v", p.RetrySchedule)
			}
		}},
		{"statuses", Policy{DeactivateOnStatus: []int{418}}, func(t *testing.T, p Policy) {
			if !reflect.DeepEqual(p.DeactivateOnStatus, []int{418}) {
				t.Fatalf("statuses %v", p.DeactivateOnStatus)
			}
		}},
		{"delete text", Policy{DeleteOnBody: &text}, func(t *testing.T, p Policy) {
			if p.deleteOnBody() != "stop" {
				t.Fatalf("delete_on_body %q", p.deleteOnBody())
			}
		}},
		{"pause off", Policy{PauseOnFailure: dur(0)}, func(t *testing.T, p Policy) {
			if p.pauseOnFailure() != 0 {
				t.Fatalf("pause %s", p.pauseOnFailure())
			}
		}},
		{"breaker off", Policy{Breaker: &Breaker{}}, func(t *testing.T, p Policy) {
			if p.Breaker.Failures != 0 {
				t.Fatalf("breaker %+v", p.Breaker)
			}
		}},
		{"success body", Policy{SuccessBody: json.RawMessage(`{"Success":true}`)}, func(t *testing.T, p Policy) {
			if string(p.successBodyWanted()) != `{"Success":true}` {
				t.Fatalf("success_body %s", p.successBodyWanted())
			}
		}},
		{"success body off", Policy{SuccessBody: json.RawMessage(`""`)}, func(t *testing.T, p Policy) {
			if p.successBodyWanted() != nil {
				t.Fatalf("success_body %s", p.successBodyWanted())
			}
		}},
		{"concurrency", Policy{Concurrency: &one}, func(t *testing.T, p Policy) {
			if p.concurrency() != 1 {
				t.Fatalf("concurrency %d", p.concurrency())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, base.Merge(tt.override)) })
	}
}

// An empty schedule or status list survives a JSON round trip as "none",
// apart from an unset one, which inherits.
func TestPolicyJSONKeepsEmptyLists(t *testing.T) {
	in := Policy{RetrySchedule: []Duration{}, DeactivateOnStatus: []int{}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Policy
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.RetrySchedule == nil || out.DeactivateOnStatus == nil {
		t.Fatalf("%s decoded to %+v: empty lists became unset", b, out)
	}
	b, _ = json.Marshal(Policy{})
	if string(b) != `{}` {
		t.Fatalf("an unset policy encodes as %s, want {}", b)
	}
}

func TestPolicyValidate(t *testing.T) {
	zero, many := 0, 1000
	tests := []struct {
		name    string
		policy  Policy
		wantErr bool
	}{
		{"defaults", DefaultPolicy(), false},
		{"empty", Policy{}, false},
		{"zero timeout", Policy{Timeout: dur(0)}, true},
		{"huge timeout", Policy{Timeout: dur(time.Hour)}, true},
		{"negative step", Policy{RetrySchedule: []Duration{Duration(-time.Second)}}, true},
		{"zero step", Policy{RetrySchedule: []Duration{0, Duration(time.Minute)}}, false},
		{"bad status", Policy{DeactivateOnStatus: []int{99}}, true},
		{"negative pause", Policy{PauseOnFailure: dur(-time.Second)}, true},
		{"breaker without window", Policy{Breaker: &Breaker{Failures: 3, Pause: Duration(time.Minute)}}, true},
		{"breaker off", Policy{Breaker: &Breaker{}}, false},
		{"bad success body", Policy{SuccessBody: json.RawMessage(`{`)}, true},
		{"zero concurrency", Policy{Concurrency: &zero}, true},
		{"huge concurrency", Policy{Concurrency: &many}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"60s", time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"7d", 7 * 24 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"2h1d", 26 * time.Hour, true},
		{"-1d", -24 * time.Hour, true},
		{"0", 0, true},
		{"d", 0, false},
		{"1x", 0, false},
		{"", 0, false},
		{strings.Repeat("1", 65) + "s", 0, false},
	} {
		got, err := parseDuration(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseDuration(%q) = %v, %v; want %v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`"3d"`), &d); err != nil || time.Duration(d) != 72*time.Hour {
		t.Fatalf(`Duration from "3d" = %v, %v`, time.Duration(d), err)
	}
}
