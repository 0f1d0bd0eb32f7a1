package outbound

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRefusedAddr(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.1.2.3", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.1.2.3", "private"},
		{"172.16.0.1", "private"},
		{"192.168.1.1", "private"},
		{"fd00::1", "private"},
		{"169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "link-local"},
		{"239.1.2.3", "multicast"},
		{"ff02::1", "link-local"},
		{"100.64.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::7f00:1", "loopback"},
		{"93.184.216.34", ""},
		{"2606:2800:220:1:248:1893:25c8:1946", ""},
		{"64:ff9b::5db8:d822", ""},
	}
	for _, tt := range tests {
		if got := refusedAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("refusedAddr(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url          string
		allowPrivate bool
		wantErr      string
	}{
		{"https://example.com/hook", false, ""},
		{"http://example.com:8080/hook?x=1", false, ""},
		{"", false, "url is required"},
		{"ftp://example.com/", false, "http or https"},
		{"javascript:alert(1)", false, "http or https"},
		{"/relative", false, "http or https"},
		{"https:///nohost", false, "no host"},
		{"http://127.0.0.1:9/", false, "loopback"},
		{"http://[::1]/", false, "loopback"},
		{"http://localhost/", false, "loopback"},
		{"http://10.0.0.1/", false, "private"},
		{"http://169.254.169.254/latest/meta-data", false, "link-local"},
		{"http://127.0.0.1:9/", true, ""},
		{"http://localhost/", true, ""},
		{"http://exa mple.com/", false, "not valid"},
	}
	for _, tt := range tests {
		err := validateURL(tt.url, tt.allowPrivate)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("validateURL(%q, %v) = %v", tt.url, tt.allowPrivate, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("validateURL(%q, %v) = %v, want an error containing %q", tt.url, tt.allowPrivate, err, tt.wantErr)
		}
	}
}

// A URL's password never shows in an error.
func TestValidateURLHidesCredentials(t *testing.T) {
	err := validateURL("http://user:hunter2@exa mple.com/", false)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v shows the password", err)
	}
}
