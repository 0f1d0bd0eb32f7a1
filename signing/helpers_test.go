package signing_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/hookgate/hookgate/signing"
)

// reasonOf returns the Reason of err, failing the test when err is not an
// *signing.Error.
func reasonOf(t *testing.T, err error) string {
	t.Helper()
	var e *signing.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *signing.Error", err, err)
	}
	return e.Reason
}

// checkReason fails the test unless err is nil when want is empty, or a
// *signing.Error whose Reason is want.
func checkReason(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatal("want failure, got success")
	}
	if r := reasonOf(t, err); r != want {
		t.Fatalf("reason = %q, want %q", r, want)
	}
}

// headers builds an http.Header from name/value pairs.
func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// mustVerifier builds a Verifier or fails the test.
func mustVerifier(t testing.TB, c signing.Config) signing.Verifier {
	t.Helper()
	v, err := signing.NewVerifier(c)
	if err != nil {
		t.Fatalf("NewVerifier(%s): %v", c.Scheme, err)
	}
	return v
}

// mustSigner builds a Signer or fails the test.
func mustSigner(t testing.TB, scheme, secret string) signing.Signer {
	t.Helper()
	s, err := signing.NewSigner(scheme, secret)
	if err != nil {
		t.Fatalf("NewSigner(%s): %v", scheme, err)
	}
	return s
}
