package signing

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Key prefixes defined by the Standard Webhooks specification.
const (
	// PrefixSecret marks a symmetric (v1, HMAC-SHA256) signing secret.
	PrefixSecret = "whsec_"
	// PrefixPublicKey marks an ed25519 public key used to verify v1a.
	PrefixPublicKey = "whpk_"
	// PrefixSecretKey marks an ed25519 secret key used to sign v1a.
	PrefixSecretKey = "whsk_"
)

// standardSecretBytes is the length of a generated whsec_ secret. The
// specification asks for at least 24 bytes.
const standardSecretBytes = 32

// randomSecretBytes is the length of a generated secret for the other schemes.
const randomSecretBytes = 32

// DecodeStandardSecret returns the HMAC key of a Standard Webhooks secret: the
// standard base64 decoding of s after an optional whsec_ prefix. A secret
// without the prefix is accepted, as the reference libraries do. An empty key
// is an error. The error never contains s.
func DecodeStandardSecret(s string) ([]byte, error) {
	b64 := strings.TrimPrefix(strings.TrimSpace(s), PrefixSecret)
	if b64 == "" {
		return nil, errors.New("empty whsec_ secret")
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("whsec_ secret is not valid base64")
	}
	if len(key) == 0 {
		return nil, errors.New("empty whsec_ secret")
	}
	return key, nil
}

// DecodeEd25519PublicKey decodes a whpk_ key: the prefix followed by the
// standard base64 encoding of a 32-byte ed25519 public key. The prefix is
// required, so that a whsec_ secret is never mistaken for a public key.
func DecodeEd25519PublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, PrefixPublicKey) {
		return nil, errors.New("public key lacks the whpk_ prefix")
	}
	b, err := base64.StdEncoding.DecodeString(s[len(PrefixPublicKey):])
	if err != nil {
		return nil, errors.New("whpk_ public key is not valid base64")
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("whpk_ public key is %d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// DecodeEd25519SecretKey decodes a whsk_ key. The Standard Webhooks reference
// library serializes the 32-byte ed25519 seed (RFC 8032 private key), and
// NewEd25519KeyPair does the same; the 64-byte seed-and-public-key form used
// by libsodium is also accepted when its public half matches the seed. The
// prefix is required.
func DecodeEd25519SecretKey(s string) (ed25519.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, PrefixSecretKey) {
		return nil, errors.New("secret key lacks the whsk_ prefix")
	}
	b, err := base64.StdEncoding.DecodeString(s[len(PrefixSecretKey):])
	if err != nil {
		return nil, errors.New("whsk_ secret key is not valid base64")
	}
	switch len(b) {
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case ed25519.PrivateKeySize:
		priv := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(b[ed25519.SeedSize:])) {
			return nil, errors.New("whsk_ secret key's public half does not match its seed")
		}
		return priv, nil
	default:
		return nil, fmt.Errorf("whsk_ secret key is %d bytes, want %d or %d", len(b), ed25519.SeedSize, ed25519.PrivateKeySize)
	}
}

// NewStandardSecret returns a fresh Standard Webhooks signing secret: "whsec_"
// followed by the standard base64 encoding of 32 random bytes.
func NewStandardSecret() string {
	return PrefixSecret + base64.StdEncoding.EncodeToString(randomBytes(standardSecretBytes))
}

// NewRandomSecret returns a fresh secret for the schemes that use the secret
// text itself as the HMAC key (ms_signature, github, stripe, shopify): 32
// random bytes in upper-case hex, the form Extend Commerce shows for its
// client secrets.
func NewRandomSecret() string {
	return strings.ToUpper(hex.EncodeToString(randomBytes(randomSecretBytes)))
}

// NewEd25519KeyPair returns a fresh Standard Webhooks asymmetric key pair. The
// secret key is "whsk_" followed by the base64 of the 32-byte ed25519 seed,
// as the reference library reads it; the public key is "whpk_" followed by
// the base64 of the 32-byte public key.
func NewEd25519KeyPair() (secretKey, publicKey string) {
	seed := randomBytes(ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return PrefixSecretKey + base64.StdEncoding.EncodeToString(seed),
		PrefixPublicKey + base64.StdEncoding.EncodeToString(pub)
}

// randomBytes returns n bytes from the operating system's secure random
// source. crypto/rand.Read never fails on supported platforms.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
