package signing

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Signature encodings for the hmac family of schemes.
const (
	EncodingHex    = "hex"
	EncodingBase64 = "base64"
)

// Errors returned by ParseHMACSignature. They carry no part of the input.
var (
	ErrMissingPrefix    = errors.New("signature lacks the expected prefix")
	ErrEmptySignature   = errors.New("signature is empty")
	ErrBadEncoding      = errors.New("signature is not validly encoded")
	ErrUnknownEncoding  = errors.New("unknown signature encoding")
	errUnknownAlgorithm = errors.New("unknown algorithm")
)

// macSpec describes a scheme whose signature is an HMAC of the raw body
// carried in one header.
type macSpec struct {
	header    string           // header carrying the signature
	prefix    string           // text before the encoded signature, if any
	algorithm string           // name of the hash, for messages
	newHash   func() hash.Hash // the HMAC hash
	encoding  string           // EncodingHex or EncodingBase64
	upperHex  bool             // the signer writes upper-case hex
}

// The provider schemes built on macSpec.
var (
	// msSignatureSpec is Extend Commerce (XTND): `ms-signature: sha256=<HEX>`,
	// written in upper-case hex as in the provider's documentation.
	msSignatureSpec = macSpec{header: "ms-signature", prefix: "sha256=", algorithm: "sha256", newHash: sha256.New, encoding: EncodingHex, upperHex: true}
	// gitHubSpec is GitHub: `X-Hub-Signature-256: sha256=<hex>`.
	gitHubSpec = macSpec{header: "X-Hub-Signature-256", prefix: "sha256=", algorithm: "sha256", newHash: sha256.New, encoding: EncodingHex}
	// shopifySpec is Shopify: `X-Shopify-Hmac-Sha256: <base64>`.
	shopifySpec = macSpec{header: "X-Shopify-Hmac-Sha256", algorithm: "sha256", newHash: sha256.New, encoding: EncodingBase64}
)

// hashByName returns the hash constructor for a generic hmac algorithm name.
func hashByName(name string) (func() hash.Hash, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "sha256":
		return sha256.New, nil
	case "sha512":
		return sha512.New, nil
	case "sha1":
		return sha1.New, nil
	default:
		return nil, errUnknownAlgorithm
	}
}

// genericSpec builds the macSpec of a generic hmac `verify` line.
func genericSpec(c Config) (macSpec, error) {
	header := strings.TrimSpace(c.Header)
	if header == "" {
		return macSpec{}, errors.New("header is required")
	}
	newHash, err := hashByName(c.Algorithm)
	if err != nil {
		return macSpec{}, fmt.Errorf("unknown algorithm %q (want sha256, sha512 or sha1)", c.Algorithm)
	}
	enc := strings.ToLower(strings.TrimSpace(c.Encoding))
	switch enc {
	case "":
		enc = EncodingHex
	case EncodingHex, EncodingBase64:
	default:
		return macSpec{}, fmt.Errorf("unknown encoding %q (want hex or base64)", c.Encoding)
	}
	algorithm := strings.ToLower(strings.TrimSpace(c.Algorithm))
	if algorithm == "" {
		algorithm = "sha256"
	}
	return macSpec{header: header, prefix: c.Prefix, algorithm: algorithm, newHash: newHash, encoding: enc}, nil
}

// ParseHMACSignature extracts the raw signature bytes from a header value.
// Surrounding white space is ignored. When prefix is not empty the value must
// start with it (compared case-insensitively) and it is removed. The rest is
// decoded as encoding: hex (either case) or base64 (standard or URL alphabet,
// padded or not). It never panics, and its errors never contain the value.
func ParseHMACSignature(value, prefix, encoding string) ([]byte, error) {
	v := strings.TrimSpace(value)
	if prefix != "" {
		if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
			return nil, ErrMissingPrefix
		}
		v = strings.TrimSpace(v[len(prefix):])
	}
	if v == "" {
		return nil, ErrEmptySignature
	}
	switch encoding {
	case EncodingHex:
		b, err := hex.DecodeString(v)
		if err != nil {
			return nil, ErrBadEncoding
		}
		return b, nil
	case EncodingBase64:
		b, ok := decodeBase64Lenient(v)
		if !ok {
			return nil, ErrBadEncoding
		}
		return b, nil
	default:
		return nil, ErrUnknownEncoding
	}
}

// decodeBase64Lenient decodes s in any of the four common base64 variants.
func decodeBase64Lenient(s string) ([]byte, bool) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, true
		}
	}
	return nil, false
}

// computeMAC returns the HMAC of body under key.
func computeMAC(newHash func() hash.Hash, key, body []byte) []byte {
	m := hmac.New(newHash, key)
	m.Write(body)
	return m.Sum(nil)
}

// macVerifier verifies a macSpec scheme against one or more secrets.
type macVerifier struct {
	scheme string
	spec   macSpec
	keys   [][]byte
}

// newMACVerifier returns a verifier for spec whose keys are the raw bytes of
// secrets.
func newMACVerifier(scheme string, spec macSpec, secrets []string) *macVerifier {
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		keys[i] = []byte(s)
	}
	return &macVerifier{scheme: scheme, spec: spec, keys: keys}
}

// Scheme returns the scheme name.
func (v *macVerifier) Scheme() string { return v.scheme }

// Verify checks the signature header against the HMAC of body under each
// secret.
func (v *macVerifier) Verify(header http.Header, _ url.Values, body []byte, _ time.Time) error {
	raw := header.Get(v.spec.header)
	if strings.TrimSpace(raw) == "" {
		return missingHeader(v.spec.header)
	}
	got, err := ParseHMACSignature(raw, v.spec.prefix, v.spec.encoding)
	switch {
	case errors.Is(err, ErrMissingPrefix):
		return fail("missing " + strings.ToLower(v.spec.prefix) + " prefix in " + strings.ToLower(v.spec.header) + " header")
	case errors.Is(err, ErrEmptySignature):
		return fail("empty signature in " + strings.ToLower(v.spec.header) + " header")
	case err != nil:
		return fail("malformed " + strings.ToLower(v.spec.header) + " header: not " + v.spec.encoding)
	}
	ok := false
	for _, key := range v.keys {
		if hmac.Equal(got, computeMAC(v.spec.newHash, key, body)) {
			ok = true
		}
	}
	if !ok {
		return fail(reasonNoMatch)
	}
	return nil
}

// macSigner signs deliveries for a macSpec scheme.
type macSigner struct {
	scheme string
	spec   macSpec
	key    []byte
}

// Scheme returns the scheme name.
func (s macSigner) Scheme() string { return s.scheme }

// Sign returns the signature header for body; msgID and ts are not signed.
func (s macSigner) Sign(_ string, _ time.Time, body []byte) (http.Header, error) {
	mac := computeMAC(s.spec.newHash, s.key, body)
	var enc string
	switch s.spec.encoding {
	case EncodingBase64:
		enc = base64.StdEncoding.EncodeToString(mac)
	default:
		enc = hex.EncodeToString(mac)
		if s.spec.upperHex {
			enc = strings.ToUpper(enc)
		}
	}
	h := make(http.Header, 1)
	h.Set(s.spec.header, s.spec.prefix+enc)
	return h, nil
}
