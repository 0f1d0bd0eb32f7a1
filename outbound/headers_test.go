package outbound

import (
	"strings"
	"testing"
)

func TestValidateHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		wantErr string
	}{
		{"none", nil, ""},
		{"extra header", map[string]string{"X-Extra": "v", "Authorization": "Bearer abc"}, ""},
		{"tab in value", map[string]string{"X-Extra": "a\tb"}, ""},
		{"CR in value", map[string]string{"X-Extra": "a\rb"}, "control character"},
		{"LF in value", map[string]string{"X-Extra": "a\nX-Injected: 1"}, "control character"},
		{"NUL in value", map[string]string{"X-Extra": "a\x00b"}, "control character"},
		{"space in name", map[string]string{"X Extra": "v"}, "not a valid HTTP field name"},
		{"colon in name", map[string]string{"X-Extra:": "v"}, "not a valid HTTP field name"},
		{"empty name", map[string]string{"": "v"}, "not a valid HTTP field name"},
		{"standard signature", map[string]string{"webhook-signature": "v1,forged"}, "cannot be overridden"},
		{"webhook-id", map[string]string{"Webhook-Id": "x"}, "cannot be overridden"},
		{"ms-signature", map[string]string{"MS-SIGNATURE": "sha256=00"}, "cannot be overridden"},
		{"increment id", map[string]string{"webhook-increment-id": "1"}, "cannot be overridden"},
		{"host", map[string]string{"Host": "internal"}, "cannot be overridden"},
		{"content-length", map[string]string{"Content-Length": "1"}, "cannot be overridden"},
		{"same field twice", map[string]string{"X-A": "1", "x-a": "2"}, "name the same field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateHeaders(tt.headers)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validateHeaders: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validateHeaders = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// A header's value may be a credential: errors never repeat it.
func TestValidateHeadersHidesValues(t *testing.T) {
	err := validateHeaders(map[string]string{"Authorization": "Bearer s3cr3t\r\n"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("error %v repeats the value", err)
	}
}
