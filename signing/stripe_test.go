package signing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// stripeSig computes a v1 signature the way Stripe's documentation describes:
// HMAC-SHA256 of "{t}.{body}" keyed with the endpoint secret, hex-encoded.
func stripeSig(secret string, ts int64, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "%d.%s", ts, body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestStripeVerify(t *testing.T) {
	const secret = "whsec_stripe_endpoint_secret"
	const body = `{"id":"evt_1","object":"event","type":"charge.succeeded"}`
	ts := int64(1700000000)
	at := time.Unix(ts, 0)
	good := stripeSig(secret, ts, body)
	bad := stripeSig("whsec_wrong", ts, body)
	cases := []struct {
		name    string
		secrets []string
		header  string
		body    string
		now     time.Time
		reason  string
	}{
		{name: "valid", header: fmt.Sprintf("t=%d,v1=%s", ts, good), now: at},
		{name: "valid with v0 and spaces", header: fmt.Sprintf("t=%d, v1=%s, v0=%s", ts, good, bad), now: at},
		{name: "upper-case hex", header: fmt.Sprintf("t=%d,v1=%s", ts, strings.ToUpper(good)), now: at},
		{name: "second v1 matches", header: fmt.Sprintf("t=%d,v1=%s,v1=%s", ts, bad, good), now: at},
		{name: "rotation: second secret", secrets: []string{"whsec_old", secret}, header: fmt.Sprintf("t=%d,v1=%s", ts, good), now: at},
		{name: "missing header", header: "", now: at, reason: "missing stripe-signature header"},
		{name: "no timestamp", header: "v1=" + good, now: at, reason: "malformed stripe-signature header: no timestamp"},
		{name: "bad timestamp", header: "t=abc,v1=" + good, now: at, reason: "malformed stripe-signature header: invalid timestamp"},
		{name: "repeated timestamp", header: fmt.Sprintf("t=%d,t=%d,v1=%s", ts, ts, good), now: at, reason: "malformed stripe-signature header: invalid timestamp"},
		{name: "only v0", header: fmt.Sprintf("t=%d,v0=%s", ts, good), now: at, reason: "malformed stripe-signature header: no v1 signature"},
		{name: "v1 not hex", header: fmt.Sprintf("t=%d,v1=zz%s", ts, good[2:]), now: at, reason: "malformed stripe-signature header: no v1 signature"},
		{name: "too old", header: fmt.Sprintf("t=%d,v1=%s", ts, good), now: at.Add(5*time.Minute + time.Second), reason: "timestamp outside tolerance"},
		{name: "too new", header: fmt.Sprintf("t=%d,v1=%s", ts, good), now: at.Add(-5*time.Minute - time.Second), reason: "timestamp outside tolerance"},
		{name: "wrong secret", secrets: []string{"whsec_other"}, header: fmt.Sprintf("t=%d,v1=%s", ts, good), now: at, reason: "no matching signature"},
		{name: "different body", header: fmt.Sprintf("t=%d,v1=%s", ts, good), body: body + "\n", now: at, reason: "no matching signature"},
		{name: "timestamp swapped", header: fmt.Sprintf("t=%d,v1=%s", ts+1, good), now: at, reason: "no matching signature"},
		{name: "v0 only matches", header: fmt.Sprintf("t=%d,v1=%s,v0=%s", ts, bad, good), now: at, reason: "no matching signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secrets := tc.secrets
			if secrets == nil {
				secrets = []string{secret}
			}
			v := mustVerifier(t, signing.Config{Scheme: "stripe", Secrets: secrets})
			b := tc.body
			if b == "" {
				b = body
			}
			err := v.Verify(headers("Stripe-Signature", tc.header), nil, []byte(b), tc.now)
			checkReason(t, err, tc.reason)
		})
	}
}

func TestStripeSignerMatchesDocs(t *testing.T) {
	const secret = "whsec_abc"
	const body = `{"id":"evt_2"}`
	ts := time.Unix(1700000123, 0)
	h, err := mustSigner(t, "stripe", secret).Sign("ignored", ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("t=%d,v1=%s", ts.Unix(), stripeSig(secret, ts.Unix(), body))
	if got := h.Get("Stripe-Signature"); got != want {
		t.Fatalf("Stripe-Signature = %q, want %q", got, want)
	}
}

func TestParseStripeHeader(t *testing.T) {
	ts, sigs, err := signing.ParseStripeHeader("t=12,v1=00ff,v0=aa,v1=zz,foo,v1=0102")
	if err != nil || ts != 12 || len(sigs) != 2 || hex.EncodeToString(sigs[0]) != "00ff" || hex.EncodeToString(sigs[1]) != "0102" {
		t.Fatalf("got ts=%d sigs=%x err=%v", ts, sigs, err)
	}
	for _, in := range []string{"", ",,,", "t=", "t=1", "t=1,v1=", "v1=00", "t=x,v1=00", "t=1,t=2,v1=00"} {
		if _, _, err := signing.ParseStripeHeader(in); err == nil {
			t.Errorf("ParseStripeHeader(%q) succeeded", in)
		}
	}
	many := "t=1" + strings.Repeat(",v1=00", 1000)
	if _, sigs, _ := signing.ParseStripeHeader(many); len(sigs) != signing.MaxStripeSignatures {
		t.Errorf("parsed %d v1 entries, want the cap %d", len(sigs), signing.MaxStripeSignatures)
	}
}
