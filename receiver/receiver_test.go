package receiver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

func TestNewValidates(t *testing.T) {
	st := openStore(t)
	none := verifier(t, signing.Config{Scheme: signing.SchemeNone})
	base := func() Config {
		return Config{Name: "r", Verifiers: []signing.Verifier{none}, ForwardTo: "http://127.0.0.1:8080/hook"}
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"bad name", func(c *Config) { c.Name = "a/b" }, `name "a/b" must be`},
		{"no verify line", func(c *Config) { c.Verifiers = nil }, "at least one verify line is required"},
		{"no forward_to", func(c *Config) { c.ForwardTo = "" }, "forward_to is required"},
		{"relative forward_to", func(c *Config) { c.ForwardTo = "/hook" }, "must be an http:// or https:// URL"},
		{"ftp forward_to", func(c *Config) { c.ForwardTo = "ftp://x/" }, "must be an http:// or https:// URL"},
		{"bad dedupe", func(c *Config) { c.Dedupe = Dedupe{By: "json", Name: "id"} }, "must start with /"},
		{"bad sequence", func(c *Config) { c.Sequence = "increment_id" }, "sequence: JSON pointer"},
		{"zero retry step", func(c *Config) { c.ForwardRetry = []time.Duration{time.Second, 0} }, "forward_retry durations must be positive"},
		{"negative concurrency", func(c *Config) { c.ForwardConcurrency = -1 }, "forward_concurrency must be positive"},
		{"ordered with concurrency", func(c *Config) { c.Ordered = true; c.ForwardConcurrency = 4 }, "ordered delivers one event at a time"},
		{"ack not 2xx", func(c *Config) { c.AckStatus = 302 }, "ack status must be 2xx"},
		{"negative max_body", func(c *Config) { c.MaxBody = -1 }, "max_body must be positive"},
		{"negative ack_timeout", func(c *Config) { c.AckTimeout = -time.Second }, "must not be negative"},
		{"negative dedupe ttl", func(c *Config) { c.Dedupe.TTL = -time.Second; c.Dedupe.By = DedupeBody }, "dedupe ttl must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.change(&cfg)
			_, err := New(cfg, st, nil, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	r := newReceiver(t, Config{
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo: "http://127.0.0.1:8080/",
	}, openStore(t), nil)
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", r.Name(), DefaultName},
		{"queue", r.Queue(), "in/default"},
		{"NameOf", NameOf(r.Queue()), DefaultName},
		{"concurrency", r.Target().Concurrency, DefaultForwardConcurrency},
		{"max age", r.maxAge, 7 * 24 * time.Hour},
		{"forward timeout", r.forwardTimeout, 30 * time.Second},
		{"ack timeout", r.ackTimeout, 4 * time.Second},
		{"ack status", r.ackStatus, http.StatusOK},
		{"ack body", string(r.ackBody), `{"Success": true}`},
		{"max body", r.maxBody, int64(1 << 20)},
		{"dedupe ttl", r.dedupeTTL, 72 * time.Hour},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	// Exponential from 1s, doubling, capped at 5m, forever.
	wantDelays := map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 1000: 5 * time.Minute}
	for n, want := range wantDelays {
		if got := r.retryDelay(n); got != want {
			t.Errorf("retry delay after attempt %d = %s, want %s", n, got, want)
		}
	}
}

func TestNewOrderedAndAck204(t *testing.T) {
	r := newReceiver(t, Config{
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo: "http://127.0.0.1:8080/",
		Ordered:   true,
		AckStatus: http.StatusNoContent,
	}, openStore(t), nil)
	if c := r.Target().Concurrency; c != 1 {
		t.Fatalf("ordered concurrency %d, want 1", c)
	}
	resp, body := post(t, serve(t, r).URL, nil, []byte(`{}`))
	if resp.StatusCode != http.StatusNoContent || body != "" {
		t.Fatalf("ack %d %q, want 204 without a body", resp.StatusCode, body)
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	in := payload{
		ReceivedAt: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		Verified:   "github",
		Header:     http.Header{"X-A": {"1", "2"}},
		Body:       []byte{0, 1, 2, 0xff, '{'},
		LastError:  "app answered 500",
	}
	out, err := decodePayload(in.encode())
	if err != nil {
		t.Fatal(err)
	}
	if !out.ReceivedAt.Equal(in.ReceivedAt) || out.Verified != in.Verified || string(out.Body) != string(in.Body) ||
		strings.Join(out.Header["X-A"], ",") != "1,2" || out.LastError != in.LastError {
		t.Fatalf("round trip changed the payload: %+v", out)
	}
	for _, bad := range []string{``, `{`, `{"v":2}`, `[]`, "\x02", "\x02\x05{}", "\x02\x02{x", "\x01\x02{}"} {
		if _, err := decodePayload([]byte(bad)); err == nil {
			t.Errorf("decodePayload(%q) succeeded", bad)
		}
	}
}
