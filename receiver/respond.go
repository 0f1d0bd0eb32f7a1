package receiver

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"

	"go.uber.org/zap"
)

// retryAfter is the Retry-After (seconds) of a 503.
const retryAfter = "5"

// ack writes the acknowledgement.
func (r *Receiver) ack(w http.ResponseWriter) {
	if r.ackType != "" {
		w.Header().Set("Content-Type", r.ackType)
	}
	w.WriteHeader(r.ackStatus)
	if len(r.ackBody) > 0 {
		_, _ = w.Write(r.ackBody)
	}
}

// reject answers a refused request and logs why.
func (r *Receiver) reject(w http.ResponseWriter, req *http.Request, err error) {
	var rej *rejection
	if !errors.As(err, &rej) {
		rej = &rejection{status: http.StatusBadRequest, outcome: RequestBadRequest, reason: err.Error()}
	}
	writeError(w, rej.status, rej.reason)
	r.metrics.Request(r.name, rej.outcome)
	r.logger.Info("webhook rejected",
		zap.String("receiver", r.name), zap.Int("status", rej.status),
		zap.String("reason", rej.reason), zap.String("remote_ip", remoteIP(req)))
}

// writeError writes {"error": reason}.
func writeError(w http.ResponseWriter, status int, reason string) {
	b, _ := json.Marshal(map[string]string{"error": reason})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// contentTypeOf is the Content-Type of an acknowledgement body.
func contentTypeOf(body []byte) string {
	switch {
	case len(body) == 0:
		return ""
	case json.Valid(body):
		return "application/json"
	default:
		return "text/plain; charset=utf-8"
	}
}

// remoteIP is the address of the peer, without the port.
func remoteIP(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}

// formatSize renders a byte count for a message.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}
