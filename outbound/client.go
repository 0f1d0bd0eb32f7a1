package outbound

import (
	"fmt"
	"net/http"
	"syscall"

	"github.com/hookgate/hookgate/delivery"
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

// newClient builds the HTTP client of deliveries (see delivery.NewClient);
// unless allowPrivate, every dial passes dialGuard.
func newClient(allowPrivate bool) *http.Client {
	if allowPrivate {
		return delivery.NewClient(maxConcurrency, nil)
	}
	return delivery.NewClient(maxConcurrency, dialGuard)
}
