package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"
)

// Response is what one HTTP attempt got.
type Response struct {
	// Status is the response status, 0 when no response arrived.
	Status int
	// Body holds at most the limit given to Post.
	Body []byte
	// Err is set when the exchange did not complete (refused dial,
	// timeout, reset), even after a status arrived. It never names the
	// URL, whose query or user info may carry a credential.
	Err error
	// Took is the time from sending to the end of the read.
	Took time.Duration
}

// NewClient returns the HTTP client of delivery attempts, for the app behind
// a receiver and for subscribers alike. It never follows redirects (a 3xx
// is the attempt's answer: following it would turn the POST into a GET
// without the event), takes no proxy from the environment (a proxy would
// bypass control), and runs control, when set, on every address it dials,
// after DNS. Each attempt's timeout comes from Post.
func NewClient(maxIdlePerHost int, control func(network, address string, c syscall.RawConn) error) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          1024,
			MaxIdleConnsPerHost:   maxIdlePerHost,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Post sends body to target once, with timeout covering the whole exchange,
// and reads up to limit bytes of the response (the rest is not read).
func Post(ctx context.Context, c *http.Client, target string, header http.Header, body []byte, timeout time.Duration, limit int64) Response {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return Response{Err: fmt.Errorf("building the request: %w", unwrapURLError(err))}
	}
	req.Header = header
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return Response{Err: describe(ctx, err, timeout), Took: time.Since(start)}
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	res := Response{Status: resp.StatusCode, Body: got, Took: time.Since(start)}
	if err != nil {
		res.Err = fmt.Errorf("reading the response: %w", describe(ctx, err, timeout))
	}
	return res
}

// describe turns a client error into a short reason without the URL.
func describe(ctx context.Context, err error, timeout time.Duration) error {
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
