package caddymodule

import (
	"crypto/sha256"
	"net/http/httptest"
	"testing"
)

// Tokens are compared to the Authorization header; without tokens only
// loopback connections pass, judged by RemoteAddr, never by headers.
func TestAPIAuthorized(t *testing.T) {
	withTokens := &APIHandler{hashes: [][sha256.Size]byte{sha256.Sum256([]byte("alpha")), sha256.Sum256([]byte("beta"))}}
	noTokens := &APIHandler{}
	tests := []struct {
		name   string
		h      *APIHandler
		remote string
		header map[string]string
		want   bool
	}{
		{"first token", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Bearer alpha"}, true},
		{"second token", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Bearer beta"}, true},
		{"scheme is case-insensitive", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "bearer alpha"}, true},
		{"wrong token", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Bearer gamma"}, false},
		{"token prefix", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Bearer alph"}, false},
		{"no header", withTokens, "127.0.0.1:4000", nil, false},
		{"basic auth", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Basic YWxwaGE6"}, false},
		{"bare token", withTokens, "203.0.113.5:4000", map[string]string{"Authorization": "alpha"}, false},
		{"loopback v4", noTokens, "127.0.0.1:4000", nil, true},
		{"loopback v6", noTokens, "[::1]:4000", nil, true},
		{"remote", noTokens, "203.0.113.5:4000", nil, false},
		{"remote claiming loopback in headers", noTokens, "203.0.113.5:4000",
			map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1", "Forwarded": "for=127.0.0.1"}, false},
		{"private is not loopback", noTokens, "10.0.0.2:4000", nil, false},
		{"a token is no use without tokens configured", noTokens, "203.0.113.5:4000", map[string]string{"Authorization": "Bearer alpha"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/stats", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if got := tt.h.authorized(r); got != tt.want {
				t.Fatalf("authorized = %v, want %v", got, tt.want)
			}
		})
	}
}

// Without tokens, a loopback request a web page could have made is
// refused: a foreign Host (DNS rebinding) or a foreign Origin (cross-site).
func TestAPIFromLocalClient(t *testing.T) {
	tests := []struct {
		name, host, origin string
		want               bool
	}{
		{"curl to 127.0.0.1", "127.0.0.1:8080", "", true},
		{"curl to localhost", "localhost:8080", "", true},
		{"localhost without port", "localhost", "", true},
		{"IPv6 loopback", "[::1]:8080", "", true},
		{"same-origin page on loopback", "127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"rebound domain", "rebind.attacker.example:8080", "http://rebind.attacker.example:8080", false},
		{"rebound domain without Origin", "rebind.attacker.example:8080", "", false},
		{"cross-site page", "127.0.0.1:8080", "https://attacker.example", false},
		{"another local page", "127.0.0.1:8080", "http://localhost:3000", false},
		{"opaque origin", "127.0.0.1:8080", "null", false},
		{"private address is not loopback", "10.0.0.2:8080", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/subscriptions", nil)
			r.Host = tt.host
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if got := fromLocalClient(r); got != tt.want {
				t.Fatalf("fromLocalClient(Host %q, Origin %q) = %v, want %v", tt.host, tt.origin, got, tt.want)
			}
		})
	}
}
