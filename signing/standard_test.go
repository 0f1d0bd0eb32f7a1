package signing_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// The Standard Webhooks reference test vector.
const (
	swSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swMsgID   = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swTS      = int64(1614265330)
	swTSText  = "1614265330"
	swBody    = `{"test": 2432232314}`
	swSig     = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	swSigB64  = "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	otherSig  = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
	swAltText = "1614265331"
)

// fixedKeyPair derives an ed25519 key pair deterministically from label and
// returns it in whsk_ (32-byte seed), whsk_ (64-byte) and whpk_ form.
func fixedKeyPair(label string) (sk32, sk64, pk string) {
	seed := sha256.Sum256([]byte(label))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	return "whsk_" + base64.StdEncoding.EncodeToString(seed[:]),
		"whsk_" + base64.StdEncoding.EncodeToString(priv),
		"whpk_" + base64.StdEncoding.EncodeToString(pub)
}

func TestStandardVerify(t *testing.T) {
	at := time.Unix(swTS, 0)
	cases := []struct {
		name    string
		secrets []string
		tol     time.Duration
		id      string
		ts      string
		sig     string
		body    string
		now     time.Time
		reason  string // "" means success
	}{
		{name: "valid", id: swMsgID, ts: swTSText, sig: swSig, now: at},
		{name: "valid unprefixed secret", secrets: []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, id: swMsgID, ts: swTSText, sig: swSig, now: at},
		{name: "now has sub-second part", id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(300*time.Second + 999*time.Millisecond)},
		{name: "missing id", ts: swTSText, sig: swSig, now: at, reason: "missing webhook-id header"},
		{name: "missing timestamp", id: swMsgID, sig: swSig, now: at, reason: "missing webhook-timestamp header"},
		{name: "missing signature", id: swMsgID, ts: swTSText, now: at, reason: "missing webhook-signature header"},
		{name: "non-numeric timestamp", id: swMsgID, ts: "hello", sig: swSig, now: at, reason: "invalid webhook-timestamp header"},
		{name: "fractional timestamp", id: swMsgID, ts: "1614265330.5", sig: swSig, now: at, reason: "invalid webhook-timestamp header"},
		{name: "exactly tolerance old", id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(5 * time.Minute)},
		{name: "too old", id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(5*time.Minute + time.Second), reason: "timestamp outside tolerance"},
		{name: "exactly tolerance new", id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(-5 * time.Minute)},
		{name: "too new", id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(-5*time.Minute - time.Second), reason: "timestamp outside tolerance"},
		{name: "custom tolerance admits older", tol: time.Hour, id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(50 * time.Minute)},
		{name: "custom tolerance rejects newer", tol: time.Minute, id: swMsgID, ts: swTSText, sig: swSig, now: at.Add(-2 * time.Minute), reason: "timestamp outside tolerance"},
		{name: "extreme timestamp", id: swMsgID, ts: "9223372036854775807", sig: swSig, now: at, reason: "timestamp outside tolerance"},
		{name: "extreme negative timestamp", id: swMsgID, ts: "-9223372036854775808", sig: swSig, now: at, reason: "timestamp outside tolerance"},
		{name: "wrong signature", id: swMsgID, ts: swTSText, sig: otherSig, now: at, reason: "no matching signature"},
		{name: "bad base64", id: swMsgID, ts: swTSText, sig: "v1,!!!not-base64!!!", now: at, reason: "malformed webhook-signature header"},
		{name: "partial signature", id: swMsgID, ts: swTSText, sig: "v1,", now: at, reason: "malformed webhook-signature header"},
		{name: "truncated signature", id: swMsgID, ts: swTSText, sig: swSig[:20], now: at, reason: "malformed webhook-signature header"},
		{name: "no version", id: swMsgID, ts: swTSText, sig: swSigB64, now: at, reason: "malformed webhook-signature header"},
		{name: "wrong version prefix", id: swMsgID, ts: swTSText, sig: "v2," + swSigB64, now: at, reason: "no matching signature"},
		{name: "v1 signature labelled v1a", id: swMsgID, ts: swTSText, sig: "v1a," + swSigB64, now: at, reason: "no matching signature"},
		{name: "upper-case version", id: swMsgID, ts: swTSText, sig: "V1," + swSigB64, now: at, reason: "no matching signature"},
		{name: "signature for a different id", id: "msg_someoneelse", ts: swTSText, sig: swSig, now: at, reason: "no matching signature"},
		{name: "signature for a different timestamp", id: swMsgID, ts: swAltText, sig: swSig, now: at, reason: "no matching signature"},
		{name: "different body", id: swMsgID, ts: swTSText, sig: swSig, body: `{"test": 2432232315}`, now: at, reason: "no matching signature"},
		{name: "wrong secret", secrets: []string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 24 byt"))}, id: swMsgID, ts: swTSText, sig: swSig, now: at, reason: "no matching signature"},
		{name: "rotation: second secret matches", secrets: []string{"whsec_" + base64.StdEncoding.EncodeToString([]byte("another secret of 24 byt")), swSecret}, id: swMsgID, ts: swTSText, sig: swSig, now: at},
		{name: "multiple signatures, valid among them", id: swMsgID, ts: swTSText, sig: strings.Join([]string{otherSig, "v2," + swSigB64, swSig, otherSig}, " "), now: at},
		{name: "extra white space", id: swMsgID, ts: " " + swTSText + " ", sig: "  " + otherSig + "   " + swSig + "  ", now: at},
		{name: "public key only, v1 signature", secrets: []string{func() string { _, _, pk := fixedKeyPair("a"); return pk }()}, id: swMsgID, ts: swTSText, sig: swSig, now: at, reason: "no matching signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secrets := tc.secrets
			if secrets == nil {
				secrets = []string{swSecret}
			}
			v := mustVerifier(t, signing.Config{Scheme: "standard", Secrets: secrets, Tolerance: tc.tol})
			h := headers()
			if tc.id != "" {
				h.Set("webhook-id", tc.id)
			}
			if tc.ts != "" {
				h.Set("webhook-timestamp", tc.ts)
			}
			if tc.sig != "" {
				h.Set("webhook-signature", tc.sig)
			}
			body := tc.body
			if body == "" {
				body = swBody
			}
			err := v.Verify(h, nil, []byte(body), tc.now)
			checkReason(t, err, tc.reason)
		})
	}
}

func TestStandardV1a(t *testing.T) {
	sk32, sk64, pk := fixedKeyPair("hookgate signing test key")
	_, _, otherPK := fixedKeyPair("some other key")
	at := time.Unix(1700000000, 0)
	body := []byte(`{"type":"order.created","data":{"id":7}}`)

	h32, err := mustSigner(t, "standard", sk32).Sign("msg_1", at, body)
	if err != nil {
		t.Fatal(err)
	}
	h64, err := mustSigner(t, "standard", sk64).Sign("msg_1", at, body)
	if err != nil {
		t.Fatal(err)
	}
	sig := h32.Get("webhook-signature")
	if !strings.HasPrefix(sig, "v1a,") {
		t.Fatalf("whsk_ signer produced %q, want a v1a signature", sig)
	}
	if h64.Get("webhook-signature") != sig {
		t.Fatal("32-byte and 64-byte forms of the same key sign differently")
	}
	raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sig, "v1a,"))
	tampered := append([]byte(nil), raw...)
	tampered[0] ^= 1
	tamperedSig := "v1a," + base64.StdEncoding.EncodeToString(tampered)

	cases := []struct {
		name    string
		secrets []string
		sig     string
		id      string
		reason  string
	}{
		{name: "public key verifies", secrets: []string{pk}, sig: sig},
		{name: "secret key verifies too", secrets: []string{sk32}, sig: sig},
		{name: "other public key", secrets: []string{otherPK}, sig: sig, reason: "no matching signature"},
		{name: "rotation: second public key", secrets: []string{otherPK, pk}, sig: sig},
		{name: "mixed list: whsec_ and whpk_", secrets: []string{swSecret, pk}, sig: sig},
		{name: "hmac secret only", secrets: []string{swSecret}, sig: sig, reason: "no matching signature"},
		{name: "tampered signature", secrets: []string{pk}, sig: tamperedSig, reason: "no matching signature"},
		{name: "wrong v1 and right v1a", secrets: []string{swSecret, pk}, sig: otherSig + " " + sig},
		{name: "v1a relabelled v1", secrets: []string{pk}, sig: "v1," + strings.TrimPrefix(sig, "v1a,"), reason: "no matching signature"},
		{name: "short v1a", secrets: []string{pk}, sig: "v1a," + base64.StdEncoding.EncodeToString(raw[:32]), reason: "no matching signature"},
		{name: "different id", secrets: []string{pk}, sig: sig, id: "msg_2", reason: "no matching signature"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := mustVerifier(t, signing.Config{Scheme: "standard", Secrets: tc.secrets})
			id := tc.id
			if id == "" {
				id = "msg_1"
			}
			h := headers("webhook-id", id, "webhook-timestamp", h32.Get("webhook-timestamp"), "webhook-signature", tc.sig)
			err := v.Verify(h, nil, body, at)
			checkReason(t, err, tc.reason)
		})
	}
}

func TestStandardSignerHeaders(t *testing.T) {
	s := mustSigner(t, "standard", swSecret)
	if _, err := s.Sign("", time.Unix(swTS, 0), []byte(swBody)); err == nil {
		t.Error("empty message id accepted")
	}
	// webhook-id stays what the caller passes; webhook-timestamp follows the
	// attempt time, and so does the signature.
	h1, _ := s.Sign(swMsgID, time.Unix(swTS, 0), []byte(swBody))
	h2, _ := s.Sign(swMsgID, time.Unix(swTS+60, 0), []byte(swBody))
	if h1.Get("webhook-id") != h2.Get("webhook-id") {
		t.Error("webhook-id changed between attempts")
	}
	if h1.Get("webhook-timestamp") == h2.Get("webhook-timestamp") || h1.Get("webhook-signature") == h2.Get("webhook-signature") {
		t.Error("a retry at a later time reuses the timestamp or signature")
	}
}

func TestParseStandardSignatures(t *testing.T) {
	b := base64.StdEncoding.EncodeToString([]byte("abc"))
	cases := []struct {
		in   string
		want []string // version:decoded
	}{
		{"", nil},
		{"   ", nil},
		{"v1," + b, []string{"v1:abc"}},
		{"v1," + b + " v1a," + b + "  v2," + b, []string{"v1:abc", "v1a:abc", "v2:abc"}},
		{"v1,", nil},
		{",abc=", nil},
		{"v1", nil},
		{"v1,@@@", nil},
		{"v1,YWJj,extra", nil},
		{"v1," + b + "\tv1a," + b, []string{"v1:abc", "v1a:abc"}},
	}
	for _, tc := range cases {
		got := signing.ParseStandardSignatures(tc.in)
		var flat []string
		for _, s := range got {
			flat = append(flat, s.Version+":"+string(s.Signature))
		}
		if strings.Join(flat, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ParseStandardSignatures(%q) = %v, want %v", tc.in, flat, tc.want)
		}
	}
	many := strings.Repeat("v1,"+b+" ", 1000)
	if n := len(signing.ParseStandardSignatures(many)); n != signing.MaxStandardSignatures {
		t.Errorf("parsed %d entries, want the cap %d", n, signing.MaxStandardSignatures)
	}
}
