package signing_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// A distinctive secret, so the tests can search error texts for it.
const leakySecret = "SUPERSECRETVALUE-do-not-leak-0123456789"

func TestNewVerifierValidation(t *testing.T) {
	leakyB64 := "whsec_" + leakySecret + "!" // not base64
	cases := []struct {
		name string
		cfg  signing.Config
		want string // substring of the error; "" means valid
	}{
		{name: "none without secrets", cfg: signing.Config{Scheme: "none"}},
		{name: "scheme is case-insensitive", cfg: signing.Config{Scheme: "GitHub", Secrets: []string{"x"}}},
		{name: "unknown scheme", cfg: signing.Config{Scheme: "svix", Secrets: []string{"x"}}, want: `unknown scheme "svix"`},
		{name: "empty scheme", cfg: signing.Config{Secrets: []string{"x"}}, want: "scheme is required"},
		{name: "ms_signature without secrets", cfg: signing.Config{Scheme: "ms_signature"}, want: "verify ms_signature: at least one secret is required"},
		{name: "empty secret", cfg: signing.Config{Scheme: "github", Secrets: []string{"x", ""}}, want: "secret 2 is empty"},
		{name: "standard bad whsec_", cfg: signing.Config{Scheme: "standard", Secrets: []string{leakyB64}}, want: "verify standard: secret 1: whsec_ secret is not valid base64"},
		{name: "standard empty whsec_", cfg: signing.Config{Scheme: "standard", Secrets: []string{"whsec_"}}, want: "empty whsec_ secret"},
		{name: "standard bad whpk_", cfg: signing.Config{Scheme: "standard", Secrets: []string{swSecret, "whpk_" + leakySecret}}, want: "secret 2: whpk_ public key is not valid base64"},
		{name: "standard short whpk_", cfg: signing.Config{Scheme: "standard", Secrets: []string{"whpk_" + base64.StdEncoding.EncodeToString(make([]byte, 31))}}, want: "whpk_ public key is 31 bytes, want 32"},
		{name: "standard bad whsk_", cfg: signing.Config{Scheme: "standard", Secrets: []string{"whsk_" + base64.StdEncoding.EncodeToString(make([]byte, 40))}}, want: "whsk_ secret key is 40 bytes"},
		{name: "standard whsk_ with wrong public half", cfg: signing.Config{Scheme: "standard", Secrets: []string{"whsk_" + base64.StdEncoding.EncodeToString(make([]byte, 64))}}, want: "does not match its seed"},
		{name: "hmac without header", cfg: signing.Config{Scheme: "hmac", Secrets: []string{"x"}}, want: "verify hmac: header is required"},
		{name: "hmac unknown algorithm", cfg: signing.Config{Scheme: "hmac", Secrets: []string{"x"}, Header: "X-Sig", Algorithm: "md5"}, want: `unknown algorithm "md5"`},
		{name: "hmac unknown encoding", cfg: signing.Config{Scheme: "hmac", Secrets: []string{"x"}, Header: "X-Sig", Encoding: "base32"}, want: `unknown encoding "base32"`},
		{name: "hmac upper-case names", cfg: signing.Config{Scheme: "hmac", Secrets: []string{"x"}, Header: "X-Sig", Algorithm: "SHA512", Encoding: "Base64"}},
		{name: "token without header or query", cfg: signing.Config{Scheme: "token", Secrets: []string{"x"}}, want: "verify token: header or query is required"},
		{name: "negative tolerance", cfg: signing.Config{Scheme: "stripe", Secrets: []string{"x"}, Tolerance: -time.Second}, want: "tolerance must not be negative"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := signing.NewVerifier(tc.cfg)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				if v.Scheme() != strings.ToLower(tc.cfg.Scheme) {
					t.Errorf("Scheme() = %q", v.Scheme())
				}
				return
			}
			if err == nil {
				t.Fatalf("want error containing %q, got none", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), leakySecret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestNewSignerValidation(t *testing.T) {
	_, _, pk := fixedKeyPair("x")
	cases := []struct {
		scheme, secret, want string
	}{
		{"hmac", "x", "inbound verification only"},
		{"token", "x", "inbound verification only"},
		{"none", "x", "inbound verification only"},
		{"svix", "x", `unknown scheme "svix"`},
		{"", "x", "scheme is required"},
		{"github", "", "sign github: secret is required"},
		{"standard", pk, "whpk_ public key cannot sign"},
		{"standard", "whsec_" + leakySecret + "!", "sign standard: whsec_ secret is not valid base64"},
		{"standard", "whsk_" + leakySecret, "whsk_ secret key is not valid base64"},
	}
	for _, tc := range cases {
		_, err := signing.NewSigner(tc.scheme, tc.secret)
		if err == nil {
			t.Errorf("NewSigner(%q) succeeded", tc.scheme)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewSigner(%q): error %q does not contain %q", tc.scheme, err, tc.want)
		}
		if strings.Contains(err.Error(), leakySecret) {
			t.Errorf("NewSigner(%q): error %q contains the secret", tc.scheme, err)
		}
	}
}

// roundTripCases lists every outbound scheme with a signing secret, the
// matching verification secret, and an unrelated secret of the same kind.
func roundTripCases() []struct{ name, scheme, sign, verify, other string } {
	sk, _, pk := fixedKeyPair("round trip")
	_, _, otherPK := fixedKeyPair("round trip other")
	return []struct{ name, scheme, sign, verify, other string }{
		{"ms_signature", "ms_signature", "300686D17C2449569EA05BF58A95722DE04A8509D5104205A71565682EEF2F27", "300686D17C2449569EA05BF58A95722DE04A8509D5104205A71565682EEF2F27", "secret123"},
		{"github", "github", "gh-secret", "gh-secret", "gh-other"},
		{"stripe", "stripe", "whsec_stripe1", "whsec_stripe1", "whsec_stripe2"},
		{"shopify", "shopify", "shpss_1", "shpss_1", "shpss_2"},
		{"standard v1", "standard", swSecret, swSecret, "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef01234567"))},
		{"standard v1a", "standard", sk, pk, otherPK},
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	body := []byte(`{"type":"order:created","timestamp":"2026-01-02T03:04:05Z","increment_id":3,"data":{"Warehouse":"GreenWarehouse"}}`)
	at := time.Unix(1767323045, 0)
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSigner(t, tc.scheme, tc.sign)
			if s.Scheme() != tc.scheme {
				t.Errorf("Scheme() = %q", s.Scheme())
			}
			h, err := s.Sign("msg_roundtrip", at, body)
			if err != nil {
				t.Fatal(err)
			}
			// As the dispatcher would: the headers go on an outgoing request.
			req, _ := http.NewRequest(http.MethodPost, "http://example.invalid/hook", bytes.NewReader(body))
			for k, vs := range h {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			rotated := mustVerifier(t, signing.Config{Scheme: tc.scheme, Secrets: []string{tc.other, tc.verify}})
			if err := rotated.Verify(req.Header, nil, body, at.Add(time.Minute)); err != nil {
				t.Fatalf("rotation (second secret) rejected: %v", err)
			}
			only := mustVerifier(t, signing.Config{Scheme: tc.scheme, Secrets: []string{tc.verify}})
			if err := only.Verify(req.Header, nil, body, at); err != nil {
				t.Fatalf("own secret rejected: %v", err)
			}
			wrong := mustVerifier(t, signing.Config{Scheme: tc.scheme, Secrets: []string{tc.other}})
			if err := wrong.Verify(req.Header, nil, body, at); err == nil {
				t.Fatal("unrelated secret accepted")
			}
			tampered := append(bytes.Clone(body), '\n')
			if err := only.Verify(req.Header, nil, tampered, at); err == nil {
				t.Fatal("tampered body accepted")
			}
		})
	}
}

// TestReasonsNeverLeak drives every verifier into each failure it can report
// and checks that no reason contains a secret, the signature that was sent,
// or the signature that would have been right.
func TestReasonsNeverLeak(t *testing.T) {
	body := []byte(`{"hello":"world"}`)
	at := time.Unix(1767323045, 0)
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			good, err := mustSigner(t, tc.scheme, tc.sign).Sign("msg_leak", at, body)
			if err != nil {
				t.Fatal(err)
			}
			forbidden := []string{tc.sign, tc.verify, tc.other, strings.TrimPrefix(tc.sign, "whsec_"), strings.TrimPrefix(tc.sign, "whsk_")}
			for _, vs := range good {
				for _, v := range vs {
					forbidden = append(forbidden, v)
					for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '=' || r == ' ' }) {
						forbidden = append(forbidden, part)
					}
				}
			}
			v := mustVerifier(t, signing.Config{Scheme: tc.scheme, Secrets: []string{tc.other, tc.verify}})
			attempts := []struct {
				h    http.Header
				body []byte
				now  time.Time
			}{
				{good, append(bytes.Clone(body), 'x'), at},                          // right signature, other body
				{good, body, at.Add(time.Hour)},                                     // too old (timestamped schemes)
				{good, body, at.Add(-time.Hour)},                                    // too new
				{mutate(good, func(s string) string { return s + "zz" }), body, at}, // garbage appended
				{mutate(good, func(s string) string { return strings.Repeat("A", len(s)) }), body, at},
				{mutate(good, func(s string) string { return "" }), body, at}, // header emptied
			}
			for i, a := range attempts {
				err := v.Verify(a.h, nil, a.body, a.now)
				if err == nil {
					timestamped := tc.scheme == "standard" || tc.scheme == "stripe"
					if (i == 1 || i == 2) && !timestamped {
						continue // schemes without a timestamp ignore now
					}
					t.Fatalf("attempt %d unexpectedly passed", i)
				}
				r := reasonOf(t, err)
				if r == "" || r != strings.ToLower(r) {
					t.Errorf("attempt %d: reason %q is empty or not lower case", i, r)
				}
				for _, f := range forbidden {
					if len(f) >= 8 && strings.Contains(r, f) {
						t.Errorf("attempt %d: reason %q leaks %q", i, r, f)
					}
				}
			}
		})
	}
}

// mutate returns a copy of h with every signature header value changed by f.
// The id and timestamp headers of Standard Webhooks are left alone.
func mutate(h http.Header, f func(string) string) http.Header {
	out := h.Clone()
	for k, vs := range out {
		if k == "Webhook-Id" || k == "Webhook-Timestamp" {
			continue
		}
		for i := range vs {
			vs[i] = f(vs[i])
		}
	}
	return out
}

// TestConcurrentVerify exercises one Verifier from many goroutines; run with
// -race to check that verifiers hold no mutable state.
func TestConcurrentVerify(t *testing.T) {
	sk, _, pk := fixedKeyPair("concurrency")
	v := mustVerifier(t, signing.Config{Scheme: "standard", Secrets: []string{swSecret, pk}})
	at := time.Unix(swTS, 0)
	hv1 := headers("webhook-id", swMsgID, "webhook-timestamp", swTSText, "webhook-signature", swSig)
	hv1a, err := mustSigner(t, "standard", sk).Sign(swMsgID, at, []byte(swBody))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hv1
			if i%2 == 1 {
				h = hv1a
			}
			for range 50 {
				if err := v.Verify(h, nil, []byte(swBody), at); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
