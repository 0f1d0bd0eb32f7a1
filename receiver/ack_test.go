package receiver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/signing"
)

const xtndSecret = "secret123"

// xtndBody is an Extend Commerce notification with the given NotificationId.
func xtndBody(id string) []byte {
	return []byte(`{"Id":"6e24","Attempt":1,"Properties":{"NotificationId":"` + id + `"},` +
		`"Notifications":[{"Action":"OrderPicked","Details":{"OrderNumber":"333841"}}]}`)
}

// keyCount counts every key in the Badger store, to prove a rejected request
// stored nothing at all.
func keyCount(t testing.TB, st *badgerstore.Store) int {
	t.Helper()
	n, err := st.KeyCount()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReceiverResponses(t *testing.T) {
	fresh := xtndBody("3b3fd4a6-36d5-46fe-8a3f-e73532529db3")
	tests := []struct {
		name     string
		method   string
		header   http.Header
		body     []byte
		chunked  bool
		status   int
		respBody string // exact, after trimming
		stored   bool
	}{
		{
			name:     "verified and new",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", fresh),
			body:     fresh,
			status:   200,
			respBody: `{"Success": true}`,
			stored:   true,
		},
		{
			name:     "signature missing",
			header:   http.Header{"Content-Type": {"application/json"}},
			body:     fresh,
			status:   401,
			respBody: `{"error":"missing ms-signature header"}`,
		},
		{
			name:     "signature wrong",
			header:   signed(t, signing.SchemeMSSignature, "another-secret", "", fresh),
			body:     fresh,
			status:   401,
			respBody: `{"error":"no matching signature"}`,
		},
		{
			name:     "signature of another body",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", xtndBody("other")),
			body:     fresh,
			status:   401,
			respBody: `{"error":"no matching signature"}`,
		},
		{
			name:     "signed but not json (the seed's own sample body)",
			header:   http.Header{"Ms-Signature": {"sha256=25FB6994568A75CD233E04BA1C653AF1BF476041CC543AF04F82CAAC482C201A"}},
			body:     []byte(`{'test':'test2'}`),
			status:   400,
			respBody: `{"error":"body is not valid json (the dedupe key is read from /Properties/NotificationId)"}`,
		},
		{
			name:     "dedupe pointer absent",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", []byte(`{"Id":"x","Properties":{}}`)),
			body:     []byte(`{"Id":"x","Properties":{}}`),
			status:   400,
			respBody: `{"error":"the dedupe key /Properties/NotificationId is absent from the body"}`,
		},
		{
			name:     "dedupe value null",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", []byte(`{"Properties":{"NotificationId":null}}`)),
			body:     []byte(`{"Properties":{"NotificationId":null}}`),
			status:   400,
			respBody: `{"error":"the dedupe key /Properties/NotificationId is null or empty"}`,
		},
		{
			name:     "over max_body with content-length",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", xtndBody(strings.Repeat("x", 600))),
			body:     xtndBody(strings.Repeat("x", 600)),
			status:   413,
			respBody: `{"error":"body is larger than max_body (512 bytes)"}`,
		},
		{
			name:     "over max_body chunked",
			header:   signed(t, signing.SchemeMSSignature, xtndSecret, "", xtndBody(strings.Repeat("x", 600))),
			body:     xtndBody(strings.Repeat("x", 600)),
			chunked:  true,
			status:   413,
			respBody: `{"error":"body is larger than max_body (512 bytes)"}`,
		},
		{
			name:     "not a post",
			method:   http.MethodGet,
			header:   http.Header{},
			status:   405,
			respBody: `{"error":"method GET is not allowed; webhooks are POSTed"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := openStore(t)
			kicked := make(chan string, 4)
			r := newReceiver(t, Config{
				Name:      "xtnd",
				Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeMSSignature, Secrets: []string{xtndSecret}})},
				ForwardTo: "http://127.0.0.1:1/unused",
				MaxBody:   512,
			}, st, func(q string) { kicked <- q })
			srv := serve(t, r)

			var body io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(bytes.NewReader(tt.body)) // unknown length: sent chunked
			}
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req, err := http.NewRequest(method, srv.URL, body)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (body %s)", resp.StatusCode, tt.status, got)
			}
			if s := strings.TrimSpace(string(got)); s != tt.respBody {
				t.Fatalf("body = %s, want %s", s, tt.respBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tt.stored {
				if d := depth(t, r); d != 1 {
					t.Fatalf("queue depth = %d, want 1", d)
				}
				if q := <-kicked; q != "in/xtnd" {
					t.Fatalf("kicked %q, want in/xtnd", q)
				}
				claimed, err := st.Claimed("in/xtnd", "json:/Properties/NotificationId:3b3fd4a6-36d5-46fe-8a3f-e73532529db3")
				if err != nil || !claimed {
					t.Fatalf("dedupe claim held = %v, %v; want true", claimed, err)
				}
				return
			}
			if n := keyCount(t, st); n != 0 {
				t.Fatalf("a rejected request left %d keys in the store", n)
			}
			if len(kicked) != 0 {
				t.Fatalf("a rejected request kicked the forwarder")
			}
		})
	}
}

func TestReceiverDuplicateAcknowledgedNotStoredTwice(t *testing.T) {
	st := openStore(t)
	r := newReceiver(t, Config{
		Name:      "gh",
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeGitHub, Secrets: []string{"s3cret"}})},
		ForwardTo: "http://127.0.0.1:1/unused",
		AckStatus: 202,
		AckBody:   ptr("queued"),
	}, st, nil)
	srv := serve(t, r)
	body := []byte(`{"action":"opened"}`)
	h := signed(t, signing.SchemeGitHub, "s3cret", "", body)
	h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")

	for i, wantDup := range []string{"", "true", "true"} {
		resp, got := post(t, srv.URL, h, body)
		if resp.StatusCode != 202 || got != "queued" {
			t.Fatalf("request %d: %d %q, want 202 %q", i+1, resp.StatusCode, got, "queued")
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("request %d: Content-Type %q", i+1, ct)
		}
		if d := resp.Header.Get(HeaderDuplicate); d != wantDup {
			t.Fatalf("request %d: %s = %q, want %q", i+1, HeaderDuplicate, d, wantDup)
		}
	}
	if d := depth(t, r); d != 1 {
		t.Fatalf("queue depth = %d, want 1", d)
	}

	// Another delivery id is another event, even with the same body.
	h.Set("X-GitHub-Delivery", "a-second-delivery")
	if resp, _ := post(t, srv.URL, h, body); resp.Header.Get(HeaderDuplicate) != "" {
		t.Fatal("a new delivery id was taken for a duplicate")
	}
	if d := depth(t, r); d != 2 {
		t.Fatalf("queue depth = %d, want 2", d)
	}
}

func TestReceiverStandardWebhooksTolerance(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	st := openStore(t)
	r := newReceiver(t, Config{
		Name:      "std",
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeStandard, Secrets: []string{secret}, Tolerance: time.Minute})},
		ForwardTo: "http://127.0.0.1:1/unused",
	}, st, nil)
	srv := serve(t, r)
	body := []byte(`{"type":"order.created"}`)
	s, err := signing.NewSigner(signing.SchemeStandard, secret)
	if err != nil {
		t.Fatal(err)
	}

	stale, _ := s.Sign("msg_1", time.Now().Add(-2*time.Minute), body)
	resp, got := post(t, srv.URL, stale, body)
	if resp.StatusCode != 401 || strings.TrimSpace(got) != `{"error":"timestamp outside tolerance"}` {
		t.Fatalf("stale: %d %s", resp.StatusCode, got)
	}
	if n := keyCount(t, st); n != 0 {
		t.Fatalf("a stale request left %d keys", n)
	}

	fresh, _ := s.Sign("msg_1", time.Now(), body)
	if resp, got := post(t, srv.URL, fresh, body); resp.StatusCode != 200 {
		t.Fatalf("fresh: %d %s", resp.StatusCode, got)
	}
	// The same webhook-id signed again later is a duplicate.
	again, _ := s.Sign("msg_1", time.Now().Add(time.Second), body)
	if resp, _ := post(t, srv.URL, again, body); resp.Header.Get(HeaderDuplicate) != "true" {
		t.Fatal("a repeated webhook-id was not recognised as a duplicate")
	}
}

func TestReceiverAnyVerifyLinePasses(t *testing.T) {
	st := openStore(t)
	r := newReceiver(t, Config{
		Name: "multi",
		Verifiers: []signing.Verifier{
			verifier(t, signing.Config{Scheme: signing.SchemeGitHub, Secrets: []string{"old", "new"}}),
			verifier(t, signing.Config{Scheme: signing.SchemeToken, Secrets: []string{"tok"}, Query: "token"}),
		},
		Dedupe:    Dedupe{By: DedupeOff},
		ForwardTo: "http://127.0.0.1:1/unused",
	}, st, nil)
	srv := serve(t, r)
	body := []byte(`hello`)

	tests := []struct {
		name   string
		url    string
		header http.Header
		status int
		reason string
	}{
		{"rotated github secret", srv.URL, signed(t, signing.SchemeGitHub, "new", "", body), 200, ""},
		{"token in the query", srv.URL + "?token=tok", http.Header{}, 200, ""},
		{"neither", srv.URL + "?token=nope", http.Header{}, 401,
			`{"error":"github: missing x-hub-signature-256 header; token: token does not match"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := depth(t, r)
			resp, got := post(t, tt.url, tt.header, body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, got)
			}
			if tt.reason != "" && strings.TrimSpace(got) != tt.reason {
				t.Fatalf("body %s, want %s", got, tt.reason)
			}
			want := before
			if tt.status == 200 {
				want++
			}
			if d := depth(t, r); d != want {
				t.Fatalf("depth %d, want %d", d, want)
			}
		})
	}
}

func TestReceiverStoreClosedIs503(t *testing.T) {
	st := openStore(t)
	r := newReceiver(t, Config{
		Name:      "x",
		Verifiers: []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		ForwardTo: "http://127.0.0.1:1/unused",
	}, st, nil)
	srv := serve(t, r)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	resp, got := post(t, srv.URL, nil, []byte(`{"a":1}`))
	if resp.StatusCode != 503 {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra <= 0 {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", resp.Header.Get("Retry-After"))
	}
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(got), &e); err != nil || e.Error == "" {
		t.Fatalf("body %q is not {\"error\": ...}", got)
	}
}

func TestReceiverAckTimeoutIs503AndStoresNothing(t *testing.T) {
	st := openStore(t)
	r := newReceiver(t, Config{
		Name:       "seq",
		Verifiers:  []signing.Verifier{verifier(t, signing.Config{Scheme: signing.SchemeNone})},
		Sequence:   "/increment_id",
		ForwardTo:  "http://127.0.0.1:1/unused",
		AckTimeout: 100 * time.Millisecond,
	}, st, nil)
	srv := serve(t, r)

	// Another write of this receiver holds the sequence lock for longer
	// than ack_timeout.
	if err := r.seq.acquire(noCtx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	resp, got := post(t, srv.URL, nil, []byte(`{"increment_id":1}`))
	elapsed := time.Since(start)
	r.seq.release()

	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if strings.TrimSpace(got) != `{"error":"event not stored within ack_timeout (100ms)"}` {
		t.Fatalf("body %s", got)
	}
	if elapsed > time.Second {
		t.Fatalf("answered after %s; ack_timeout is 100ms", elapsed)
	}
	time.Sleep(50 * time.Millisecond) // the abandoned write gives up, it does not write late
	if n := keyCount(t, st); n != 0 {
		t.Fatalf("a timed-out request left %d keys", n)
	}
}

func ptr[T any](v T) *T { return &v }
