package signing_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

func TestTokenVerify(t *testing.T) {
	const tok = "s3cr3t-token-value"
	cases := []struct {
		name   string
		cfg    signing.Config
		header [2]string
		query  url.Values
		reason string
	}{
		{name: "header", cfg: signing.Config{Header: "X-Token"}, header: [2]string{"X-Token", tok}},
		{name: "query", cfg: signing.Config{Query: "token"}, query: url.Values{"token": {tok}}},
		{name: "header configured, query used", cfg: signing.Config{Header: "X-Token", Query: "token"}, query: url.Values{"token": {tok}}},
		{name: "rotation", cfg: signing.Config{Header: "X-Token", Secrets: []string{"old-token", tok}}, header: [2]string{"X-Token", tok}},
		{name: "bearer prefix", cfg: signing.Config{Header: "Authorization", Prefix: "Bearer "}, header: [2]string{"Authorization", "Bearer " + tok}},
		{name: "bearer prefix missing", cfg: signing.Config{Header: "Authorization", Prefix: "Bearer "}, header: [2]string{"Authorization", tok}, reason: "token lacks the expected prefix"},
		{name: "missing header", cfg: signing.Config{Header: "X-Token"}, reason: "missing x-token header"},
		{name: "missing query", cfg: signing.Config{Query: "token"}, reason: "missing token query parameter"},
		{name: "missing both", cfg: signing.Config{Header: "X-Token", Query: "token"}, reason: "missing token in x-token header or token query parameter"},
		{name: "wrong token", cfg: signing.Config{Header: "X-Token"}, header: [2]string{"X-Token", "s3cr3t-token-valuf"}, reason: "token does not match"},
		{name: "prefix of token", cfg: signing.Config{Header: "X-Token"}, header: [2]string{"X-Token", tok[:5]}, reason: "token does not match"},
		{name: "token plus suffix", cfg: signing.Config{Header: "X-Token"}, header: [2]string{"X-Token", tok + "x"}, reason: "token does not match"},
		{name: "case differs", cfg: signing.Config{Header: "X-Token"}, header: [2]string{"X-Token", "S3CR3T-TOKEN-VALUE"}, reason: "token does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Scheme = "token"
			if tc.cfg.Secrets == nil {
				tc.cfg.Secrets = []string{tok}
			}
			v := mustVerifier(t, tc.cfg)
			h := headers()
			if tc.header[0] != "" {
				h.Set(tc.header[0], tc.header[1])
			}
			err := v.Verify(h, tc.query, nil, time.Time{})
			checkReason(t, err, tc.reason)
		})
	}
}

func TestNoneAlwaysPasses(t *testing.T) {
	v := mustVerifier(t, signing.Config{Scheme: "none"})
	if v.Scheme() != "none" {
		t.Fatalf("Scheme() = %q", v.Scheme())
	}
	if err := v.Verify(nil, nil, nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
}
