package signing_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// vector is one entry of testdata/vectors.json.
type vector struct {
	Name         string `json:"name"`
	Source       string `json:"source"`
	Scheme       string `json:"scheme"`
	Secret       string `json:"secret"`
	VerifySecret string `json:"verify_secret"`
	MsgID        string `json:"msg_id"`
	Timestamp    int64  `json:"timestamp"`
	Body         string `json:"body"`
	Header       string `json:"header"`
	Value        string `json:"value"`
	Config       struct {
		Header    string `json:"header"`
		Algorithm string `json:"algorithm"`
		Encoding  string `json:"encoding"`
		Prefix    string `json:"prefix"`
	} `json:"config"`
}

// loadVectors reads testdata/vectors.json.
func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 9 {
		t.Fatalf("only %d vectors loaded", len(file.Vectors))
	}
	return file.Vectors
}

// signable reports whether NewSigner supports the vector's scheme.
func signable(scheme string) bool {
	return scheme != signing.SchemeHMAC && scheme != signing.SchemeToken && scheme != signing.SchemeNone
}

// TestVectorsSign checks that each signer reproduces the published value
// byte for byte.
func TestVectorsSign(t *testing.T) {
	for _, v := range loadVectors(t) {
		if !signable(v.Scheme) {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			s := mustSigner(t, v.Scheme, v.Secret)
			if s.Scheme() != v.Scheme {
				t.Errorf("Scheme() = %q, want %q", s.Scheme(), v.Scheme)
			}
			h, err := s.Sign(v.MsgID, time.Unix(v.Timestamp, 0), []byte(v.Body))
			if v.Scheme == signing.SchemeStandard && v.MsgID == "" {
				t.Fatal("standard vector without msg_id")
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.Get(v.Header); got != v.Value {
				t.Errorf("%s = %q\nwant %q\n(source: %s)", v.Header, got, v.Value, v.Source)
			}
			if v.Scheme == signing.SchemeStandard {
				if got := h.Get("webhook-id"); got != v.MsgID {
					t.Errorf("webhook-id = %q, want %q", got, v.MsgID)
				}
				if got := h.Get("webhook-timestamp"); got != strconv.FormatInt(v.Timestamp, 10) {
					t.Errorf("webhook-timestamp = %q, want %d", got, v.Timestamp)
				}
			}
		})
	}
}

// TestVectorsVerify checks that each verifier accepts the published value and
// rejects it for a body that differs by one byte.
func TestVectorsVerify(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			secret := v.Secret
			if v.VerifySecret != "" {
				secret = v.VerifySecret
			}
			ver := mustVerifier(t, signing.Config{
				Scheme:    v.Scheme,
				Secrets:   []string{secret},
				Header:    v.Config.Header,
				Algorithm: v.Config.Algorithm,
				Encoding:  v.Config.Encoding,
				Prefix:    v.Config.Prefix,
			})
			h := http.Header{}
			h.Set(v.Header, v.Value)
			if v.MsgID != "" {
				h.Set("webhook-id", v.MsgID)
				h.Set("webhook-timestamp", strconv.FormatInt(v.Timestamp, 10))
			}
			now := time.Unix(v.Timestamp, 0)
			if err := ver.Verify(h, nil, []byte(v.Body), now); err != nil {
				t.Fatalf("published value rejected: %v (source: %s)", err, v.Source)
			}
			tampered := []byte(v.Body + " ")
			err := ver.Verify(h, nil, tampered, now)
			if err == nil {
				t.Fatal("tampered body accepted")
			}
			if r := reasonOf(t, err); r != "no matching signature" {
				t.Errorf("tampered body reason = %q", r)
			}
		})
	}
}
