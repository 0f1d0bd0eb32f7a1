package signing_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

func TestNewStandardSecret(t *testing.T) {
	a, b := signing.NewStandardSecret(), signing.NewStandardSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if !strings.HasPrefix(a, "whsec_") {
		t.Fatalf("%q lacks whsec_", a)
	}
	key, err := signing.DecodeStandardSecret(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(key) < 24 || len(key) > 64 {
		t.Fatalf("key is %d bytes, the spec wants 24..64", len(key))
	}
	if _, err := signing.NewSigner("standard", a); err != nil {
		t.Fatal(err)
	}
}

func TestNewRandomSecret(t *testing.T) {
	a, b := signing.NewRandomSecret(), signing.NewRandomSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	raw, err := hex.DecodeString(a)
	if err != nil || len(raw) != 32 {
		t.Fatalf("%q is not 32 bytes of hex", a)
	}
}

func TestNewEd25519KeyPair(t *testing.T) {
	sk, pk := signing.NewEd25519KeyPair()
	if !strings.HasPrefix(sk, "whsk_") || !strings.HasPrefix(pk, "whpk_") {
		t.Fatalf("prefixes wrong: %q %q", sk[:5], pk[:5])
	}
	seed, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sk, "whsk_"))
	if err != nil || len(seed) != ed25519.SeedSize {
		t.Fatalf("whsk_ is not the base64 of a 32-byte seed (%d bytes, %v)", len(seed), err)
	}
	priv, err := signing.DecodeEd25519SecretKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signing.DecodeEd25519PublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatal("public key does not belong to the secret key")
	}
	at := time.Unix(1700000000, 0)
	h, err := mustSigner(t, "standard", sk).Sign("msg_kp", at, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := mustVerifier(t, signing.Config{Scheme: "standard", Secrets: []string{pk}}).Verify(h, nil, []byte("x"), at); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeStandardSecret(t *testing.T) {
	cases := []struct {
		in   string
		want string // decoded text, or "err"
	}{
		{"whsec_aGVsbG8=", "hello"},
		{"aGVsbG8=", "hello"},
		{" whsec_aGVsbG8= ", "hello"},
		{"whsec_aGVsbG8", "err"}, // standard encoding requires padding
		{"whsec_", "err"},
		{"", "err"},
		{"whsec_!!!!", "err"},
	}
	for _, tc := range cases {
		b, err := signing.DecodeStandardSecret(tc.in)
		got := string(b)
		if err != nil {
			got = "err"
		}
		if got != tc.want {
			t.Errorf("DecodeStandardSecret(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDecodeEd25519Keys(t *testing.T) {
	if _, err := signing.DecodeEd25519PublicKey(base64.StdEncoding.EncodeToString(make([]byte, 32))); err == nil {
		t.Error("public key without whpk_ accepted")
	}
	if _, err := signing.DecodeEd25519SecretKey(base64.StdEncoding.EncodeToString(make([]byte, 32))); err == nil {
		t.Error("secret key without whsk_ accepted")
	}
	sk32, sk64, _ := fixedKeyPair("decode")
	a, err1 := signing.DecodeEd25519SecretKey(sk32)
	b, err2 := signing.DecodeEd25519SecretKey(sk64)
	if err1 != nil || err2 != nil || !a.Equal(b) {
		t.Fatalf("32- and 64-byte forms differ: %v %v", err1, err2)
	}
}
