package receiver

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestForwardHeader(t *testing.T) {
	tests := []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{
			name: "end-to-end headers pass, hop-by-hop are dropped",
			in: http.Header{
				"Content-Type":        {"application/json"},
				"Ms-Signature":        {"sha256=AB"},
				"User-Agent":          {"XTND/1"},
				"Connection":          {"keep-alive"},
				"Keep-Alive":          {"timeout=5"},
				"Proxy-Connection":    {"keep-alive"},
				"Proxy-Authorization": {"Basic eA=="},
				"Proxy-Authenticate":  {"Basic"},
				"Te":                  {"trailers"},
				"Trailer":             {"X-Checksum"},
				"Transfer-Encoding":   {"chunked"},
				"Upgrade":             {"h2c"},
				"Expect":              {"100-continue"},
				"Content-Length":      {"17"},
			},
			want: http.Header{
				"Content-Type": {"application/json"},
				"Ms-Signature": {"sha256=AB"},
				"User-Agent":   {"XTND/1"},
			},
		},
		{
			name: "headers named by Connection are dropped",
			in: http.Header{
				"Connection": {"close, X-Hop", " x-other "},
				"X-Hop":      {"1"},
				"X-Other":    {"2"},
				"X-Keep":     {"3"},
			},
			want: http.Header{"X-Keep": {"3"}},
		},
		{
			name: "hookgate's own headers cannot be forged",
			in: http.Header{
				"Webhook-Gateway-Id": {"forged"},
				"Webhook-Attempt":    {"99"},
				"Webhook-Verified":   {"none"},
				"Webhook-Duplicate":  {"true"},
				"Webhook-Id":         {"msg_1"},
			},
			want: http.Header{"Webhook-Id": {"msg_1"}},
		},
		{
			name: "non-canonical keys are matched case-insensitively",
			in:   http.Header{"transfer-encoding": {"chunked"}, "x-custom": {"v"}},
			want: http.Header{"x-custom": {"v"}},
		},
		{
			name: "repeated values are kept in order",
			in:   http.Header{"X-Multi": {"a", "b"}},
			want: http.Header{"X-Multi": {"a", "b"}},
		},
		{name: "nil", in: nil, want: http.Header{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.in.Clone()
			got := ForwardHeader(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.in, before) {
				t.Fatalf("input was modified: %v", tt.in)
			}
		})
	}
}

func FuzzForwardHeader(f *testing.F) {
	f.Add("Connection", "close, X-A", "X-A", "1")
	f.Add("connection", ",,, ,", "Transfer-Encoding", "chunked")
	f.Add("X-Custom", "v", "Webhook-Attempt", "2")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		in := http.Header{k1: {v1}, k2: {v2}}
		out := ForwardHeader(in)
		named := map[string]bool{}
		for key, vs := range in {
			if strings.EqualFold(key, "Connection") {
				for _, v := range vs {
					for _, n := range strings.Split(v, ",") {
						named[strings.ToLower(strings.TrimSpace(n))] = true
					}
				}
			}
		}
		for key := range out {
			lk := strings.ToLower(key)
			for _, hop := range hopByHop {
				if lk == strings.ToLower(hop) {
					t.Fatalf("hop-by-hop %q forwarded", key)
				}
			}
			if named[lk] || strings.HasPrefix(lk, "webhook-gateway-id") || lk == "webhook-attempt" || lk == "webhook-verified" {
				t.Fatalf("%q forwarded", key)
			}
			if _, ok := in[key]; !ok {
				t.Fatalf("%q appeared from nowhere", key)
			}
		}
	})
}
