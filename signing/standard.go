package signing

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks header names.
const (
	HeaderWebhookID        = "webhook-id"
	HeaderWebhookTimestamp = "webhook-timestamp"
	HeaderWebhookSignature = "webhook-signature"
)

// Standard Webhooks signature version identifiers.
const (
	VersionV1  = "v1"  // HMAC-SHA256 with a whsec_ secret
	VersionV1a = "v1a" // ed25519 with a whsk_/whpk_ key pair
)

// MaxStandardSignatures caps how many entries ParseStandardSignatures (and so
// a verifier) looks at, so that a huge header cannot make one request cost an
// unbounded number of ed25519 verifications.
const MaxStandardSignatures = 32

// StandardSig is one entry of a webhook-signature header.
type StandardSig struct {
	// Version is the identifier before the comma, such as "v1" or "v1a".
	Version string
	// Signature is the base64-decoded signature after the comma.
	Signature []byte
}

// ParseStandardSignatures parses a webhook-signature header: a list of
// "<version>,<base64>" entries separated by white space. Entries without a
// comma, with an empty version or signature, or whose signature is not valid
// standard base64 are skipped; at most MaxStandardSignatures entries are
// returned. Unknown versions are kept so the caller can ignore them. It never
// panics.
func ParseStandardSignatures(h string) []StandardSig {
	var out []StandardSig
	for field := range strings.FieldsSeq(h) {
		if len(out) == MaxStandardSignatures {
			break
		}
		version, b64, ok := strings.Cut(field, ",")
		if !ok || version == "" || b64 == "" {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(sig) == 0 {
			continue
		}
		out = append(out, StandardSig{Version: version, Signature: sig})
	}
	return out
}

// standardContent returns the signed content "{id}.{timestamp}.{body}".
func standardContent(id string, ts int64, body []byte) []byte {
	tsText := strconv.FormatInt(ts, 10)
	b := make([]byte, 0, len(id)+len(tsText)+len(body)+2)
	b = append(b, id...)
	b = append(b, '.')
	b = append(b, tsText...)
	b = append(b, '.')
	return append(b, body...)
}

// standardMAC returns the v1 HMAC-SHA256 of "{id}.{timestamp}.{body}" under
// key without copying body.
func standardMAC(key []byte, id, tsText string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(tsText))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// standardVerifier checks Standard Webhooks requests. v1 signatures are
// checked against the whsec_ secrets, v1a signatures against the whpk_
// public keys (a whsk_ secret key contributes its public key).
type standardVerifier struct {
	hmacKeys [][]byte
	pubKeys  []ed25519.PublicKey
	tol      time.Duration
}

// newStandardVerifier sorts secrets into HMAC keys and public keys.
func newStandardVerifier(secrets []string, tol time.Duration) (*standardVerifier, error) {
	v := &standardVerifier{tol: tol}
	for i, s := range secrets {
		s = strings.TrimSpace(s)
		switch {
		case strings.HasPrefix(s, PrefixPublicKey):
			pk, err := DecodeEd25519PublicKey(s)
			if err != nil {
				return nil, fmt.Errorf("secret %d: %w", i+1, err)
			}
			v.pubKeys = append(v.pubKeys, pk)
		case strings.HasPrefix(s, PrefixSecretKey):
			sk, err := DecodeEd25519SecretKey(s)
			if err != nil {
				return nil, fmt.Errorf("secret %d: %w", i+1, err)
			}
			v.pubKeys = append(v.pubKeys, sk.Public().(ed25519.PublicKey))
		default:
			key, err := DecodeStandardSecret(s)
			if err != nil {
				return nil, fmt.Errorf("secret %d: %w", i+1, err)
			}
			v.hmacKeys = append(v.hmacKeys, key)
		}
	}
	return v, nil
}

// Scheme returns "standard".
func (v *standardVerifier) Scheme() string { return SchemeStandard }

// Verify checks the three webhook-* headers, the timestamp tolerance in both
// directions, and then each v1 and v1a signature against the configured keys.
func (v *standardVerifier) Verify(header http.Header, _ url.Values, body []byte, now time.Time) error {
	id := header.Get(HeaderWebhookID)
	if id == "" {
		return missingHeader(HeaderWebhookID)
	}
	tsRaw := strings.TrimSpace(header.Get(HeaderWebhookTimestamp))
	if tsRaw == "" {
		return missingHeader(HeaderWebhookTimestamp)
	}
	sigRaw := header.Get(HeaderWebhookSignature)
	if strings.TrimSpace(sigRaw) == "" {
		return missingHeader(HeaderWebhookSignature)
	}
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return fail("invalid " + HeaderWebhookTimestamp + " header")
	}
	if !withinTolerance(ts, now, v.tol) {
		return fail(reasonOutsideTolerance)
	}
	sigs := ParseStandardSignatures(sigRaw)
	if len(sigs) == 0 {
		return malformedHeader(HeaderWebhookSignature)
	}
	tsText := strconv.FormatInt(ts, 10)
	var macs [][]byte // computed on first v1 entry
	var content []byte
	for _, s := range sigs {
		switch s.Version {
		case VersionV1:
			if macs == nil {
				macs = make([][]byte, len(v.hmacKeys))
				for i, key := range v.hmacKeys {
					macs[i] = standardMAC(key, id, tsText, body)
				}
			}
			for _, mac := range macs {
				if hmac.Equal(s.Signature, mac) {
					return nil
				}
			}
		case VersionV1a:
			if len(s.Signature) != ed25519.SignatureSize || len(v.pubKeys) == 0 {
				continue
			}
			if content == nil {
				content = standardContent(id, ts, body)
			}
			for _, pk := range v.pubKeys {
				if ed25519.Verify(pk, content, s.Signature) {
					return nil
				}
			}
		}
	}
	return fail(reasonNoMatch)
}

// standardSigner signs with either a whsec_ secret (v1) or a whsk_ secret key
// (v1a).
type standardSigner struct {
	hmacKey []byte
	priv    ed25519.PrivateKey
}

// newStandardSigner decodes secret: whsk_ selects v1a, whsec_ (or an
// unprefixed base64 secret) selects v1. A whpk_ public key cannot sign.
func newStandardSigner(secret string) (*standardSigner, error) {
	s := strings.TrimSpace(secret)
	switch {
	case strings.HasPrefix(s, PrefixPublicKey):
		return nil, errors.New("a whpk_ public key cannot sign; use the matching whsk_ secret key")
	case strings.HasPrefix(s, PrefixSecretKey):
		priv, err := DecodeEd25519SecretKey(s)
		if err != nil {
			return nil, err
		}
		return &standardSigner{priv: priv}, nil
	default:
		key, err := DecodeStandardSecret(s)
		if err != nil {
			return nil, err
		}
		return &standardSigner{hmacKey: key}, nil
	}
}

// Scheme returns "standard".
func (s *standardSigner) Scheme() string { return SchemeStandard }

// Sign returns webhook-id (msgID), webhook-timestamp (ts in unix seconds) and
// webhook-signature ("v1,<base64>" or "v1a,<base64>").
func (s *standardSigner) Sign(msgID string, ts time.Time, body []byte) (http.Header, error) {
	if msgID == "" {
		return nil, errors.New("sign standard: message id is required")
	}
	unix := ts.Unix()
	tsText := strconv.FormatInt(unix, 10)
	var sig string
	if s.priv != nil {
		sig = VersionV1a + "," + base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, standardContent(msgID, unix, body)))
	} else {
		sig = VersionV1 + "," + base64.StdEncoding.EncodeToString(standardMAC(s.hmacKey, msgID, tsText, body))
	}
	h := make(http.Header, 3)
	h.Set(HeaderWebhookID, msgID)
	h.Set(HeaderWebhookTimestamp, tsText)
	h.Set(HeaderWebhookSignature, sig)
	return h, nil
}
