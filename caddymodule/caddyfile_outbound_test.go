package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestParseOutboundPolicy(t *testing.T) {
	tests := []struct {
		name    string
		block   string
		want    string // the policy as JSON
		wantErr string
	}{
		{"empty", ``, `{}`, ""},
		{"full", `
			timeout 5s
			retry_schedule 60s 180s 1d
			deactivate_on_status 400 410
			delete_on_body "please unsubscribe me"
			pause_on_failure 60s
			breaker 10 10m 1h
			success_body ` + "`" + `{"Success": true}` + "`" + `
			concurrency 4`,
			`{"timeout":"5s","retry_schedule":["1m0s","3m0s","24h0m0s"],"deactivate_on_status":[400,410],` +
				`"delete_on_body":"please unsubscribe me","pause_on_failure":"1m0s",` +
				`"breaker":{"failures":10,"window":"10m0s","pause":"1h0m0s"},"success_body":{"Success":true},"concurrency":4}`, ""},
		{"unquoted success body", `success_body {"Success": true}`, `{"success_body":{"Success":true}}`, ""},
		{"turned off", `
			retry_schedule none
			deactivate_on_status none
			delete_on_body ""
			pause_on_failure 0s
			breaker off
			success_body ""`,
			`{"retry_schedule":[],"deactivate_on_status":[],"delete_on_body":"","pause_on_failure":"0s",` +
				`"breaker":{"failures":0,"window":"0s","pause":"0s"},"success_body":""}`, ""},
		{"unknown", `retries 3`, "", "unrecognized subdirective 'retries'"},
		{"twice", "timeout 1s\ntimeout 2s", "", "timeout is given twice"},
		{"zero timeout", `timeout 0s`, "", "timeout must be positive"},
		{"bad duration", `timeout soon`, "", `invalid duration "soon"`},
		{"no schedule", `retry_schedule`, "", "one or more durations"},
		{"bad status", `deactivate_on_status 4xx`, "", `"4xx" is not an HTTP status code`},
		{"status out of range", `deactivate_on_status 1000`, "", "is not an HTTP status code"},
		{"delete text in pieces", `delete_on_body please unsubscribe me`, "", "takes one argument"},
		{"breaker short", `breaker 10 10m`, "", "breaker takes"},
		{"breaker zero", `breaker 0 10m 1h`, "", "positive number"},
		{"bad success body", `success_body {"Success": }`, "", "not valid JSON"},
		{"bad concurrency", `concurrency 0`, "", "positive number"},
		{"huge concurrency", `concurrency 100000`, "", "concurrency must be between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser("outbound {\n" + tt.block + "\n}")
			d.Next()
			p, err := parseOutboundPolicy(d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(p)
			if string(got) != tt.want {
				t.Fatalf("policy\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
