package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

// bodyScanLimit bounds how much of a response is read, for delete_on_body
// and success_body; the rest is not read.
const bodyScanLimit = 64 << 10

// HeaderIncrementID carries a delivery's increment_id in every format, so
// subscribers can detect missed events whatever the body looks like.
const HeaderIncrementID = "Webhook-Increment-Id"

// userAgent identifies hookgate's deliveries unless a subscription's
// headers set another.
const userAgent = "hookgate-webhooks/1"

// response is what one attempt got.
type response struct {
	status int
	body   []byte // at most bodyScanLimit bytes
	err    error  // no complete response: refused dial, timeout, reset...
	took   time.Duration
}

// send makes one attempt: it renders and signs the body, POSTs it with the
// policy's timeout covering the whole exchange, and reads the start of the
// response.
func (d *Dispatcher) send(ctx context.Context, r *record, pol Policy, job *store.Job, p *jobPayload) response {
	body, err := render(r.Format, p, job.ID, job.Seq, job.Attempt)
	if err != nil {
		return response{err: fmt.Errorf("rendering body: %w", err)}
	}
	signer, err := signing.NewSigner(r.Signature, r.Secret)
	if err != nil {
		return response{err: fmt.Errorf("signing: %w", err)}
	}
	timeout := pol.timeout()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return response{err: fmt.Errorf("building request: %w", unwrapURLError(err))}
	}
	for name, value := range r.Headers {
		req.Header.Set(name, value)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", userAgent)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIncrementID, strconv.FormatUint(job.Seq, 10))
	sig, err := signer.Sign(job.ID, time.Now(), body)
	if err != nil {
		return response{err: fmt.Errorf("signing: %w", err)}
	}
	for name, values := range sig {
		req.Header[name] = values
	}

	start := time.Now()
	resp, err := d.client.Do(req)
	if err != nil {
		return response{err: describeError(ctx, err, timeout), took: time.Since(start)}
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, bodyScanLimit))
	res := response{status: resp.StatusCode, body: got, took: time.Since(start)}
	if err != nil {
		res.err = fmt.Errorf("reading the response: %w", describeError(ctx, err, timeout))
	}
	return res
}

// describeError turns a client error into a short reason without the URL,
// which may carry credentials.
func describeError(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s", timeout)
	}
	return unwrapURLError(err)
}

// unwrapURLError drops the *url.Error wrapper (method and URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
