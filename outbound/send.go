package outbound

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/hookgate/hookgate/delivery"
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
type response = delivery.Response

// send makes one attempt: it renders and signs the body, POSTs it with the
// policy's timeout covering the whole exchange, and reads the start of the
// response.
func (d *Dispatcher) send(ctx context.Context, r *record, pol Policy, job *store.Job, p *jobPayload) response {
	body, err := render(r.Format, p, job.ID, job.Seq, job.Attempt)
	if err != nil {
		return response{Err: fmt.Errorf("rendering body: %w", err)}
	}
	signer, err := signing.NewSigner(r.Signature, r.Secret)
	if err != nil {
		return response{Err: fmt.Errorf("signing: %w", err)}
	}
	h := http.Header{}
	for name, value := range r.Headers {
		h.Set(name, value)
	}
	if h.Get("User-Agent") == "" {
		h.Set("User-Agent", userAgent)
	}
	h.Set("Content-Type", "application/json")
	h.Set(HeaderIncrementID, strconv.FormatUint(job.Seq, 10))
	sig, err := signer.Sign(job.ID, time.Now(), body)
	if err != nil {
		return response{Err: fmt.Errorf("signing: %w", err)}
	}
	for name, values := range sig {
		h[name] = values
	}
	return delivery.Post(ctx, d.client, r.URL, h, body, pol.timeout(), bodyScanLimit)
}
