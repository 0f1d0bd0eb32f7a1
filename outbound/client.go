package outbound

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"
)

// dialGuard is a net.Dialer Control function that refuses loopback,
// private, link-local, unspecified, multicast and reserved addresses. It
// runs after DNS resolution, on the address actually dialed, so a name
// that resolves (or rebinds) to such an address is refused too.
func dialGuard(network, address string, _ syscall.RawConn) error {
	ip, err := splitHostIP(address)
	if err != nil {
		return fmt.Errorf("refusing to dial %s: %w", address, err)
	}
	if why := refusedAddr(ip); why != "" {
		return fmt.Errorf("refusing to dial %s: %s address (allow_private_targets is off)", address, why)
	}
	return nil
}

// newClient builds the HTTP client of deliveries: redirects are not
// followed (a 3xx is the attempt's answer), no proxy from the environment
// (it would bypass the dial guard), and, unless allowPrivate, every dial
// passes dialGuard. Each attempt's timeout comes from its context.
func newClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = dialGuard
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   maxConcurrency,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
