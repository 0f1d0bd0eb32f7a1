package signing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// hmacHex returns the hex HMAC-SHA256 of body under secret.
func hmacHex(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// hmacB64 returns the base64 HMAC-SHA256 of body under secret.
func hmacB64(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestMACSchemes(t *testing.T) {
	const body = `{"Id":"6e249eebb818463086ae0dda6eeba7b2","Attempt":1}`
	const secret = "300686D17C2449569EA05BF58A95722DE04A8509D5104205A71565682EEF2F27"
	good := hmacHex(secret, body)
	cases := []struct {
		name   string
		cfg    signing.Config
		header string
		value  string
		reason string
	}{
		// ms_signature (XTND)
		{name: "ms upper hex", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=" + strings.ToUpper(good)},
		{name: "ms lower hex", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=" + good},
		{name: "ms upper prefix", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "SHA256=" + good},
		{name: "ms rotation", cfg: signing.Config{Scheme: "ms_signature", Secrets: []string{"old", secret}}, header: "ms-signature", value: "sha256=" + good},
		{name: "ms missing header", cfg: signing.Config{Scheme: "ms_signature"}, reason: "missing ms-signature header"},
		{name: "ms missing prefix", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: good, reason: "missing sha256= prefix in ms-signature header"},
		{name: "ms empty after prefix", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=", reason: "empty signature in ms-signature header"},
		{name: "ms not hex", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=xyz", reason: "malformed ms-signature header: not hex"},
		{name: "ms odd hex", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=" + good[1:], reason: "malformed ms-signature header: not hex"},
		{name: "ms wrong secret", cfg: signing.Config{Scheme: "ms_signature", Secrets: []string{"secret123"}}, header: "ms-signature", value: "sha256=" + good, reason: "no matching signature"},
		{name: "ms truncated", cfg: signing.Config{Scheme: "ms_signature"}, header: "ms-signature", value: "sha256=" + good[:32], reason: "no matching signature"},
		// github
		{name: "github valid", cfg: signing.Config{Scheme: "github"}, header: "X-Hub-Signature-256", value: "sha256=" + good},
		{name: "github sha1 prefix", cfg: signing.Config{Scheme: "github"}, header: "X-Hub-Signature-256", value: "sha1=" + good, reason: "missing sha256= prefix in x-hub-signature-256 header"},
		{name: "github legacy header only", cfg: signing.Config{Scheme: "github"}, header: "X-Hub-Signature", value: "sha256=" + good, reason: "missing x-hub-signature-256 header"},
		// shopify
		{name: "shopify valid", cfg: signing.Config{Scheme: "shopify"}, header: "X-Shopify-Hmac-Sha256", value: hmacB64(secret, body)},
		{name: "shopify unpadded", cfg: signing.Config{Scheme: "shopify"}, header: "X-Shopify-Hmac-Sha256", value: strings.TrimRight(hmacB64(secret, body), "=")},
		{name: "shopify hex rejected", cfg: signing.Config{Scheme: "shopify"}, header: "X-Shopify-Hmac-Sha256", value: good, reason: "no matching signature"},
		{name: "shopify bad base64", cfg: signing.Config{Scheme: "shopify"}, header: "X-Shopify-Hmac-Sha256", value: "%%%", reason: "malformed x-shopify-hmac-sha256 header: not base64"},
		// generic hmac
		{name: "hmac default sha256 hex", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig"}, header: "X-Sig", value: good},
		{name: "hmac hex compare ignores case", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig"}, header: "X-Sig", value: strings.ToUpper(good)},
		{name: "hmac prefix present", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig", Prefix: "v0="}, header: "X-Sig", value: "v0=" + good},
		{name: "hmac prefix absent", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig", Prefix: "v0="}, header: "X-Sig", value: good, reason: "missing v0= prefix in x-sig header"},
		{name: "hmac base64", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig", Encoding: "base64"}, header: "X-Sig", value: hmacB64(secret, body)},
		{name: "hmac wrong algorithm", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig", Algorithm: "sha512"}, header: "X-Sig", value: good, reason: "no matching signature"},
		{name: "hmac missing header", cfg: signing.Config{Scheme: "hmac", Header: "X-Sig"}, header: "X-Other", value: good, reason: "missing x-sig header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.Secrets == nil {
				tc.cfg.Secrets = []string{secret}
			}
			v := mustVerifier(t, tc.cfg)
			h := headers()
			if tc.header != "" {
				h.Set(tc.header, tc.value)
			}
			err := v.Verify(h, nil, []byte(body), time.Time{})
			checkReason(t, err, tc.reason)
		})
	}
}

func TestMSSignatureSignsUpperHex(t *testing.T) {
	h, err := mustSigner(t, "ms_signature", "secret123").Sign("", time.Time{}, []byte("{'test':'test2'}"))
	if err != nil {
		t.Fatal(err)
	}
	got := h.Get("ms-signature")
	hexPart, ok := strings.CutPrefix(got, "sha256=")
	if !ok || len(hexPart) != 64 || hexPart != strings.ToUpper(hexPart) {
		t.Fatalf("ms-signature %q is not sha256=<64 upper-case hex digits>", got)
	}
}

func TestGitHubSignsLowerHex(t *testing.T) {
	h, err := mustSigner(t, "github", "It's a Secret to Everybody").Sign("", time.Time{}, []byte("Hello, World!"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("X-Hub-Signature-256"), "sha256="+hmacHex("It's a Secret to Everybody", "Hello, World!"); got != want {
		t.Fatalf("X-Hub-Signature-256 = %q, want %q", got, want)
	}
}

func TestParseHMACSignature(t *testing.T) {
	cases := []struct {
		value, prefix, enc string
		want               string // hex of the result, or "err"
	}{
		{"00ff", "", "hex", "00ff"},
		{" 00FF ", "", "hex", "00ff"},
		{"sha256=00ff", "sha256=", "hex", "00ff"},
		{"SHA256=00ff", "sha256=", "hex", "00ff"},
		{"00ff", "sha256=", "hex", "err"},
		{"sha", "sha256=", "hex", "err"},
		{"sha256=", "sha256=", "hex", "err"},
		{"0", "", "hex", "err"},
		{"AP8=", "", "base64", "00ff"},
		{"AP8", "", "base64", "00ff"},
		{"_w==", "", "base64", "ff"},
		{"00ff", "", "base32", "err"},
		{"", "", "hex", "err"},
	}
	for _, tc := range cases {
		b, err := signing.ParseHMACSignature(tc.value, tc.prefix, tc.enc)
		got := hex.EncodeToString(b)
		if err != nil {
			got = "err"
		}
		if got != tc.want {
			t.Errorf("ParseHMACSignature(%q, %q, %q) = %s, want %s", tc.value, tc.prefix, tc.enc, got, tc.want)
		}
	}
}
