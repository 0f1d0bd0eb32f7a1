package receiver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hookgate/hookgate/signing"
)

func TestDedupeKey(t *testing.T) {
	bodySum := sha256.Sum256([]byte(`{"id":"evt_1"}`))
	long := strings.Repeat("k", maxKeyText+1)
	longSum := sha256.Sum256([]byte(long))
	tests := []struct {
		name    string
		rule    Dedupe
		header  http.Header
		body    string
		want    string
		wantErr string // a 400 reason
	}{
		{"ms_signature default", DefaultDedupe(signing.SchemeMSSignature), nil,
			`{"Properties":{"NotificationId":"3b3f"}}`, "json:/Properties/NotificationId:3b3f", ""},
		{"standard default", DefaultDedupe(signing.SchemeStandard), http.Header{"Webhook-Id": {"msg_1"}},
			`x`, "header:webhook-id:msg_1", ""},
		{"github default", DefaultDedupe(signing.SchemeGitHub), http.Header{"X-Github-Delivery": {"72d3"}},
			`x`, "header:x-github-delivery:72d3", ""},
		{"stripe default", DefaultDedupe(signing.SchemeStripe), nil,
			`{"id":"evt_1"}`, "json:/id:evt_1", ""},
		{"shopify default", DefaultDedupe(signing.SchemeShopify), http.Header{"X-Shopify-Webhook-Id": {"b54"}},
			`x`, "header:x-shopify-webhook-id:b54", ""},
		{"hmac default is the body", DefaultDedupe(signing.SchemeHMAC), nil,
			`{"id":"evt_1"}`, "body:" + hex.EncodeToString(bodySum[:]), ""},
		{"token default is the body", DefaultDedupe(signing.SchemeToken), nil,
			`{"id":"evt_1"}`, "body:" + hex.EncodeToString(bodySum[:]), ""},
		{"none default is the body", DefaultDedupe(signing.SchemeNone), nil,
			`{"id":"evt_1"}`, "body:" + hex.EncodeToString(bodySum[:]), ""},
		{"body hashes a non-json body too", Dedupe{By: DedupeBody}, nil,
			`{'test':'test2'}`, "body:" + sha256Hex(`{'test':'test2'}`), ""},
		{"off", Dedupe{By: DedupeOff}, nil, `anything`, "", ""},
		{"header name is case-insensitive", Dedupe{By: DedupeHeader, Name: "x-request-id"},
			http.Header{"X-Request-Id": {" r1 "}}, ``, "header:x-request-id:r1", ""},
		{"json number keeps its text", Dedupe{By: DedupeJSON, Name: "/increment_id"}, nil,
			`{"increment_id": 1.0}`, "json:/increment_id:1.0", ""},
		{"json array element", Dedupe{By: DedupeJSON, Name: "/events/0/id"}, nil,
			`{"events":[{"id":"a"},{"id":"b"}]}`, "json:/events/0/id:a", ""},
		{"long values are hashed", Dedupe{By: DedupeHeader, Name: "X-Id"},
			http.Header{"X-Id": {long}}, ``, "header:x-id:sha256:" + hex.EncodeToString(longSum[:]), ""},
		{"header missing", Dedupe{By: DedupeHeader, Name: "X-GitHub-Delivery"}, nil,
			`{}`, "", "missing x-github-delivery header (the dedupe key)"},
		{"header empty", Dedupe{By: DedupeHeader, Name: "X-Id"}, http.Header{"X-Id": {"  "}},
			`{}`, "", "missing x-id header (the dedupe key)"},
		{"json pointer absent", Dedupe{By: DedupeJSON, Name: "/id"}, nil,
			`{"ID":"x"}`, "", "the dedupe key /id is absent from the body"},
		{"json body not json", Dedupe{By: DedupeJSON, Name: "/id"}, nil,
			`id=1`, "", "body is not valid json (the dedupe key is read from /id)"},
		{"json empty string", Dedupe{By: DedupeJSON, Name: "/id"}, nil,
			`{"id":""}`, "", "the dedupe key /id is null or empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rule, err := compileDedupe(tt.rule)
			if err != nil {
				t.Fatalf("compileDedupe: %v", err)
			}
			ev := &incoming{header: tt.header, body: []byte(tt.body)}
			if ev.header == nil {
				ev.header = http.Header{}
			}
			got, err := rule.key(ev)
			if tt.wantErr != "" {
				var rej *rejection
				if !errors.As(err, &rej) || rej.status != http.StatusBadRequest || rej.reason != tt.wantErr {
					t.Fatalf("error = %v, want a 400 %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("key = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestCompileDedupeErrors(t *testing.T) {
	tests := []struct {
		rule Dedupe
		want string
	}{
		{Dedupe{By: DedupeHeader}, "a header name is required"},
		{Dedupe{By: DedupeJSON}, "a json pointer is required"},
		{Dedupe{By: DedupeJSON, Name: "id"}, "must start with /"},
		{Dedupe{By: DedupeBody, Name: "x"}, "takes no name"},
		{Dedupe{By: "query"}, `unknown method "query"`},
	}
	for _, tt := range tests {
		if _, err := compileDedupe(tt.rule); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compileDedupe(%+v) = %v, want an error containing %q", tt.rule, err, tt.want)
		}
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
