package receiver

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/hookgate/hookgate/signing"
	"github.com/hookgate/hookgate/store"
)

// ServeHTTP verifies, dedupes, stores and acknowledges one webhook. In order:
// read the body (over max_body: 413); check the verify lines (none passes:
// 401); find the dedupe key and sequence number (absent or not JSON: 400);
// then write the dedupe claim, the job and any sequence records in one
// durable batch within ack_timeout (duplicate: the ack plus
// Webhook-Duplicate; failure or timeout: 503 with Retry-After). Only then is
// the event acknowledged and the forwarder woken. Nothing is stored for a
// rejected request.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		r.reject(w, req, &rejection{status: http.StatusMethodNotAllowed, outcome: RequestMethodNotAllowed,
			reason: "method " + req.Method + " is not allowed; webhooks are POSTed"})
		return
	}
	body, err := r.readBody(w, req)
	if err != nil {
		r.reject(w, req, err)
		return
	}
	scheme, err := r.verify(req, body, start)
	if err != nil {
		r.reject(w, req, err)
		return
	}
	ev := &incoming{header: req.Header, body: body}
	key, err := r.dedupeRule(scheme).key(ev)
	if err != nil {
		r.reject(w, req, err)
		return
	}
	var seqNum uint64
	if r.seq != nil {
		if seqNum, err = r.seq.number(ev); err != nil {
			r.reject(w, req, err)
			return
		}
	}

	p := payload{ReceivedAt: start.UTC(), Verified: scheme, Header: ForwardHeader(req.Header), Body: body}
	job := &store.Job{Queue: r.queue, ID: store.NewID(), ReadyAt: start, CreatedAt: start, Payload: p.encode()}
	b := &store.Batch{Enqueue: []*store.Job{job}}
	if key != "" {
		b.Claims = []store.Claim{{Scope: r.queue, Key: key, TTL: r.dedupeTTL}}
	}

	err = r.commit(req.Context(), b, seqNum)
	switch {
	case errors.Is(err, store.ErrDuplicate):
		w.Header().Set(HeaderDuplicate, "true")
		r.ack(w)
		r.metrics.Request(r.name, RequestDuplicate)
		r.metrics.Ack(r.name, time.Since(start))
		r.logger.Debug("duplicate acknowledged, not forwarded again",
			zap.String("receiver", r.name), zap.String("scheme", scheme))
	case err != nil:
		reason := "store unavailable; event not stored"
		if errors.Is(err, context.DeadlineExceeded) {
			reason = "event not stored within ack_timeout (" + r.ackTimeout.String() + ")"
		}
		w.Header().Set("Retry-After", retryAfter)
		writeError(w, http.StatusServiceUnavailable, reason)
		r.metrics.Request(r.name, RequestUnavailable)
		r.logger.Error("webhook not acknowledged",
			zap.String("receiver", r.name), zap.String("remote_ip", remoteIP(req)),
			zap.String("reason", reason), zap.Error(err))
	default:
		r.ack(w)
		r.metrics.Request(r.name, RequestAccepted)
		r.metrics.Ack(r.name, time.Since(start))
		r.kick(r.queue)
		r.logger.Debug("webhook acknowledged",
			zap.String("receiver", r.name), zap.String("id", job.ID), zap.String("scheme", scheme))
	}
}

// readBody reads the whole body, up to max_body.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request) ([]byte, error) {
	if req.ContentLength > r.maxBody {
		return nil, r.tooLarge()
	}
	var buf bytes.Buffer
	if req.ContentLength > 0 {
		// One allocation of the announced size (and room for ReadFrom's
		// end-of-body probe) instead of io.ReadAll's doubling; capped, so
		// a sender announcing a large body it does not send cannot make
		// every connection hold max_body.
		buf.Grow(int(min(req.ContentLength, preallocLimit)) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, req.Body, r.maxBody)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, r.tooLarge()
		}
		return nil, badRequest("body unreadable: " + err.Error())
	}
	return buf.Bytes(), nil
}

// preallocLimit caps what readBody allocates ahead of the body's bytes.
const preallocLimit = 64 << 10

// tooLarge is the 413 of a body over max_body.
func (r *Receiver) tooLarge() *rejection {
	return &rejection{status: http.StatusRequestEntityTooLarge, outcome: RequestTooLarge,
		reason: "body is larger than max_body (" + formatSize(r.maxBody) + ")"}
}

// verify returns the scheme of the first verify line the request passes, or
// a 401 rejection with every line's reason.
func (r *Receiver) verify(req *http.Request, body []byte, now time.Time) (string, error) {
	query := req.URL.Query()
	reasons := make([]string, 0, len(r.verifiers))
	for _, v := range r.verifiers {
		err := v.Verify(req.Header, query, body, now)
		if err == nil {
			return v.Scheme(), nil
		}
		reason := "verification failed"
		var se *signing.Error
		if errors.As(err, &se) {
			reason = se.Reason
		}
		if len(r.verifiers) > 1 {
			reason = v.Scheme() + ": " + reason
		}
		reasons = append(reasons, reason)
	}
	return "", &rejection{status: http.StatusUnauthorized, outcome: RequestUnauthorized, reason: strings.Join(reasons, "; ")}
}

// dedupeRule returns the rule for a request verified by scheme.
func (r *Receiver) dedupeRule(scheme string) dedupeRule {
	if r.fixedDedupe != nil {
		return *r.fixedDedupe
	}
	return r.dedupeRules[scheme]
}
