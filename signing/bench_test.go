package signing_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// benchVerify measures Verify for one standard-webhooks request over a 1 KiB
// body signed with secret and verified against verifySecret.
func benchVerify(b *testing.B, secret, verifySecret string) {
	body := bytes.Repeat([]byte("x"), 1024)
	at := time.Unix(swTS, 0)
	h, err := mustSigner(b, "standard", secret).Sign(swMsgID, at, body)
	if err != nil {
		b.Fatal(err)
	}
	v := mustVerifier(b, signing.Config{Scheme: "standard", Secrets: []string{verifySecret}})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(h, nil, body, at); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyStandardV1(b *testing.B) { benchVerify(b, swSecret, swSecret) }

func BenchmarkVerifyStandardV1a(b *testing.B) {
	sk, _, pk := fixedKeyPair("bench")
	benchVerify(b, sk, pk)
}
