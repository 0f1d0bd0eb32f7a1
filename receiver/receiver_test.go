package receiver

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"reflect"
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
		{"max_body over the limit", func(c *Config) { c.MaxBody = MaxBodyLimit + 1 }, "max_body must be at most 32 MiB"},
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
	bad := []string{``, `{`, `[]`, "\x01\x02{}", "\x04",
		"\x02", "\x02\x05{}", "\x02\x02{x", // version 2: bad length, bad JSON
		"\x03", "\x03\x02", "\x03\x01", "\x03\x00\x05ab", "\x03\x00\x00\x00\x00\x09"} // version 3: truncated
	for _, b := range bad {
		if _, err := decodePayload([]byte(b)); err == nil {
			t.Errorf("decodePayload(%q) succeeded", b)
		}
	}
}

// TestPayloadReadsVersion2 decodes an event stored by the previous format
// (a JSON header), as a store written before an upgrade holds.
func TestPayloadReadsVersion2(t *testing.T) {
	meta := `{"received_at":"2025-01-02T03:04:05.000000006Z","verified":"stripe","header":{"X-A":["1"]},"last_error":"e"}`
	b := append([]byte{2, byte(len(meta))}, meta...)
	b = append(b, "body"...)
	p, err := decodePayload(b)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	if !p.ReceivedAt.Equal(want) || p.Verified != "stripe" || p.Header.Get("X-A") != "1" || p.LastError != "e" ||
		string(p.Body) != "body" || !p.LastAttemptAt.IsZero() {
		t.Fatalf("decoded %+v", p)
	}
	if again, err := decodePayload(p.encode()); err != nil || again.Verified != "stripe" || string(again.Body) != "body" {
		t.Fatalf("re-encoded in the current format: %+v, %v", again, err)
	}
}

// FuzzDecodePayload: no input makes decoding panic, and whatever decodes
// survives encoding and decoding again unchanged.
func FuzzDecodePayload(f *testing.F) {
	full := payload{ReceivedAt: time.Unix(1, 2), Verified: "hmac", Header: http.Header{"A": {"b", ""}},
		Body: []byte("{}"), LastError: "x", LastAttemptAt: time.Unix(3, 4)}
	f.Add(full.encode())
	f.Add([]byte("\x02\x02{}body"))
	f.Add([]byte("\x03\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePayload(b)
		if err != nil {
			return
		}
		q, err := decodePayload(p.encode())
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !q.ReceivedAt.Equal(p.ReceivedAt) || !q.LastAttemptAt.Equal(p.LastAttemptAt) || q.Verified != p.Verified ||
			q.LastError != p.LastError || string(q.Body) != string(p.Body) || !reflect.DeepEqual(q.Header, p.Header) {
			t.Fatalf("round trip changed %+v into %+v", p, q)
		}
	})
}

// BenchmarkPayloadDecode decodes a stored event with a typical provider's
// headers and a 1 KiB body, in the current format and in version 2.
func BenchmarkPayloadDecode(b *testing.B) {
	p := payload{ReceivedAt: time.Now().UTC(), Verified: "ms_signature", Body: bytes.Repeat([]byte("x"), 1024), Header: http.Header{
		"Content-Type": {"application/json"}, "User-Agent": {"provider/1.0"}, "Ms-Signature": {"t=1,v1=abc"},
		"X-Request-Id": {"r-123"}, "Accept-Encoding": {"gzip"}, "Content-Length": {"1024"}}}
	meta, _ := json.Marshal(jsonHeader{ReceivedAt: p.ReceivedAt, Verified: p.Verified, Header: p.Header})
	v2 := binary.AppendUvarint([]byte{2}, uint64(len(meta)))
	v2 = append(append(v2, meta...), p.Body...)
	for _, c := range []struct {
		name   string
		stored []byte
	}{{"current", p.encode()}, {"version2", v2}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := decodePayload(c.stored); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
