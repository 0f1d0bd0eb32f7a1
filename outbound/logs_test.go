package outbound

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestURLOrigin(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com"},
		{"https://user:pw@example.com:8443/hook?token=abc#x", "https://example.com:8443"},
		{"http://[::1]:9/x", "http://[::1]:9"},
		{"://bad", "(invalid url)"},
	} {
		if got := urlOrigin(c.in); got != c.want {
			t.Errorf("urlOrigin(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A webhook URL's path and query are credentials for many providers: no
// log line of a subscription's life may carry them.
func TestLogsCarryNoURLCredential(t *testing.T) {
	env := newTestEnv(t, Policy{})
	core, logs := observer.New(zapcore.DebugLevel)
	env.d.cfg.Logger = zap.New(core)
	const secretPath, secretQuery = "B000/XXXXsecretXXXX", "token=q-secret"
	s := env.create(t, SubscriptionInput{URL: "http://127.0.0.1:9/services/T000/" + secretPath + "?" + secretQuery})
	if err := env.d.Delete(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	if logs.Len() == 0 {
		t.Fatal("no log lines to check")
	}
	for _, e := range logs.All() {
		line := e.Message
		for k, v := range e.ContextMap() {
			line += " " + k + "=" + toString(v)
		}
		if strings.Contains(line, "XXXXsecret") || strings.Contains(line, "q-secret") {
			t.Errorf("log line carries the URL's credential: %s", line)
		}
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
