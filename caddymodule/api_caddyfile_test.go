package caddymodule

import (
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// The golden files testdata/adapt/api_*.caddyfile run through
// TestAdaptGolden; this test covers UnmarshalCaddyfile directly.
func TestAPIHandlerUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    []string
		wantErr string
	}{
		{"no block", `webhook_api`, nil, ""},
		{"empty block", "webhook_api {\n}", nil, ""},
		{"one token", "webhook_api {\n token abc\n}", []string{"abc"}, ""},
		{"tokens accumulate", "webhook_api {\n token a b\n token {env.T}\n}", []string{"a", "b", "{env.T}"}, ""},
		{"token without value", "webhook_api {\n token\n}", nil, "token needs at least one value"},
		{"empty token", "webhook_api {\n token \"\"\n}", nil, "token must not be empty"},
		{"unknown subdirective", "webhook_api {\n bearer abc\n}", nil, "unrecognized subdirective 'bearer'"},
		{"argument", "webhook_api secret-token", nil, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h APIHandler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "secret-token") {
					t.Fatalf("error %q repeats a would-be token", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h.Tokens, tt.want) {
				t.Fatalf("tokens %q, want %q", h.Tokens, tt.want)
			}
		})
	}
}
