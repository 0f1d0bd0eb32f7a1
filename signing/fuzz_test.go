package signing_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// requireReason fails when err is neither nil nor an *signing.Error with a
// non-empty reason.
func requireReason(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *signing.Error
	if !errors.As(err, &e) || e.Reason == "" {
		t.Fatalf("Verify returned %v (%T), want *signing.Error with a reason", err, err)
	}
}

func FuzzParseStandardSignatures(f *testing.F) {
	f.Add(swSig)
	f.Add(otherSig + " " + swSig + " v1a," + strings.Repeat("A", 88))
	f.Add("v1,")
	f.Add(",,, v1,,, ")
	f.Add("v1,!!! v2,YWJj\tv1a,YWJj")
	f.Add(strings.Repeat("v1,YWJj ", 100))
	f.Fuzz(func(t *testing.T, h string) {
		sigs := signing.ParseStandardSignatures(h)
		if len(sigs) > signing.MaxStandardSignatures {
			t.Fatalf("%d entries exceed the cap", len(sigs))
		}
		var rebuilt []string
		for _, s := range sigs {
			if s.Version == "" || len(s.Signature) == 0 || strings.ContainsAny(s.Version, ", \t\n") {
				t.Fatalf("bad entry %+v", s)
			}
			rebuilt = append(rebuilt, s.Version+","+base64.StdEncoding.EncodeToString(s.Signature))
		}
		again := signing.ParseStandardSignatures(strings.Join(rebuilt, " "))
		if len(again) != len(sigs) {
			t.Fatalf("reparse gave %d entries, want %d", len(again), len(sigs))
		}
	})
}

func FuzzParseStripeHeader(f *testing.F) {
	f.Add("t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff")
	f.Add("t=1,v1=00,v0=11,v1=zz")
	f.Add("t=,v1=")
	f.Add("t=9223372036854775808,v1=00")
	f.Add("t=1,t=2,v1=00")
	f.Add("==,=,t==1")
	f.Fuzz(func(t *testing.T, h string) {
		_, v1, err := signing.ParseStripeHeader(h)
		if err != nil {
			if v1 != nil {
				t.Fatal("signatures returned with an error")
			}
			return
		}
		if len(v1) == 0 || len(v1) > signing.MaxStripeSignatures {
			t.Fatalf("%d v1 signatures without an error", len(v1))
		}
	})
}

func FuzzParseHMACSignature(f *testing.F) {
	f.Add("sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A", "sha256=", true)
	f.Add("rlYwtxSz64KhPygOLXbekmzsjq0OqrcotnlUzAe2yuQ=", "", false)
	f.Add("sha256=", "sha256=", true)
	f.Add("\xff\xfe", "\xc3", false)
	f.Add("ß=00", "SS=", true)
	f.Fuzz(func(t *testing.T, value, prefix string, useHex bool) {
		enc := signing.EncodingBase64
		if useHex {
			enc = signing.EncodingHex
		}
		b, err := signing.ParseHMACSignature(value, prefix, enc)
		if err == nil && len(b) == 0 {
			t.Fatal("empty signature without an error")
		}
	})
}

func FuzzDecodeKeys(f *testing.F) {
	sk32, sk64, pk := fixedKeyPair("fuzz")
	f.Add(swSecret)
	f.Add(sk32)
	f.Add(sk64)
	f.Add(pk)
	f.Add("whsk_")
	f.Add("whpk_====")
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := signing.DecodeStandardSecret(s); err == nil && len(k) == 0 {
			t.Fatal("empty key without an error")
		}
		if k, err := signing.DecodeEd25519PublicKey(s); err == nil && len(k) != 32 {
			t.Fatalf("public key of %d bytes", len(k))
		}
		if k, err := signing.DecodeEd25519SecretKey(s); err == nil && len(k) != 64 {
			t.Fatalf("private key of %d bytes", len(k))
		}
	})
}

func FuzzVerifyStandard(f *testing.F) {
	sk, _, pk := fixedKeyPair("fuzz standard")
	v1a, _ := mustSigner(f, "standard", sk).Sign(swMsgID, time.Unix(swTS, 0), []byte(swBody))
	v := mustVerifier(f, signing.Config{Scheme: "standard", Secrets: []string{swSecret, pk}})
	f.Add(swMsgID, swTSText, swSig, []byte(swBody))
	f.Add(swMsgID, swTSText, v1a.Get("webhook-signature"), []byte(swBody))
	f.Add("", "", "", []byte(nil))
	f.Add("a.b", "-1", "v1a,"+strings.Repeat("A", 86)+"==", []byte("x"))
	f.Add(swMsgID, "99999999999999999999", swSig, []byte(swBody))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", ts)
		h.Set("webhook-signature", sig)
		err := v.Verify(h, nil, body, time.Unix(swTS, 0))
		requireReason(t, err)
		if err == nil && (id == "" || ts == "" || sig == "") {
			t.Fatal("passed with a missing header")
		}
	})
}

func FuzzVerifyStripe(f *testing.F) {
	v := mustVerifier(f, signing.Config{Scheme: "stripe", Secrets: []string{"whsec_test_secret"}})
	f.Add("t=1614265330,v1=3c5817089d739023dd6190f70a3757e04f7a2fd8b5dab12c2e000f51970dccff", []byte(`{"id":"evt_test_webhook","object":"event"}`))
	f.Add("t=1614265330", []byte("{}"))
	f.Add("v1=00,t=x", []byte(nil))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		h := http.Header{}
		h.Set("Stripe-Signature", header)
		requireReason(t, v.Verify(h, nil, body, time.Unix(1614265330, 0)))
	})
}

func FuzzVerifyHMAC(f *testing.F) {
	verifiers := []signing.Verifier{
		mustVerifier(f, signing.Config{Scheme: "ms_signature", Secrets: []string{"secret123"}}),
		mustVerifier(f, signing.Config{Scheme: "github", Secrets: []string{"It's a Secret to Everybody"}}),
		mustVerifier(f, signing.Config{Scheme: "shopify", Secrets: []string{"hush"}}),
		mustVerifier(f, signing.Config{Scheme: "hmac", Secrets: []string{"generic-secret"}, Header: "X-Signature", Algorithm: "sha512", Prefix: "sha512="}),
		mustVerifier(f, signing.Config{Scheme: "hmac", Secrets: []string{"generic-secret"}, Header: "X-Signature", Algorithm: "sha1", Encoding: "base64"}),
	}
	f.Add("sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A", []byte("{'test':'test2'}"))
	f.Add("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", []byte("Hello, World!"))
	f.Add("rlYwtxSz64KhPygOLXbekmzsjq0OqrcotnlUzAe2yuQ=", []byte(`{"id":1,"topic":"orders/create"}`))
	f.Add("xqwffN2g6pn8yKtABBe030QbgeM=", []byte(`{"event":"ping"}`))
	f.Add("sha512=", []byte(nil))
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		h := http.Header{}
		for _, name := range []string{"ms-signature", "X-Hub-Signature-256", "X-Shopify-Hmac-Sha256", "X-Signature"} {
			h.Set(name, value)
		}
		for _, v := range verifiers {
			requireReason(t, v.Verify(h, nil, body, time.Time{}))
		}
	})
}

func FuzzVerifyToken(f *testing.F) {
	v := mustVerifier(f, signing.Config{Scheme: "token", Secrets: []string{"tok-1", "tok-2"}, Header: "Authorization", Query: "token", Prefix: "Bearer "})
	f.Add("Bearer tok-1", "")
	f.Add("", "Bearer tok-2")
	f.Add("Bear", "x")
	f.Fuzz(func(t *testing.T, header, query string) {
		h := http.Header{}
		h.Set("Authorization", header)
		err := v.Verify(h, url.Values{"token": {query}}, nil, time.Time{})
		requireReason(t, err)
		// Oracle: the header wins when present; the prefix is matched
		// case-insensitively; the token itself exactly.
		tok := header
		if tok == "" {
			tok = query
		}
		want := false
		if rest, ok := cutPrefixFold(tok, "Bearer "); ok {
			want = rest == "tok-1" || rest == "tok-2"
		}
		if (err == nil) != want {
			t.Fatalf("header %q query %q: err = %v, want accepted = %v", header, query, err, want)
		}
	})
}

// cutPrefixFold is strings.CutPrefix with a case-insensitive prefix.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
