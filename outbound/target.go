package outbound

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// maxURLLength bounds a subscription's URL.
const maxURLLength = 2048

// refusedPrefixes are special-purpose ranges refused as targets besides
// those netip classifies (loopback, private, link-local, multicast,
// unspecified): "this network", carrier-grade NAT, IETF protocol
// assignments, benchmarking, reserved and broadcast.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
}

// nat64 is the well-known NAT64 prefix; its last 32 bits are an IPv4
// address, which is checked in turn.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// refusedAddr reports why an address may not be dialed without
// allow_private_targets, or "" when it may.
func refusedAddr(a netip.Addr) string {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		return refusedAddr(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
	}
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return "link-local"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range refusedPrefixes {
		if p.Contains(a) {
			return "reserved"
		}
	}
	return ""
}

// validateURL checks a subscription URL: absolute http or https with a
// host, no longer than maxURLLength. Unless allowPrivate, a host that is a
// literal refused address or "localhost" is rejected at once; names are
// checked again at dial time, after DNS.
func validateURL(raw string, allowPrivate bool) error {
	if raw == "" {
		return fmt.Errorf("url is required")
	}
	if len(raw) > maxURLLength {
		return fmt.Errorf("url is longer than %d bytes", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url is not valid: %v", redactURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url must use http or https, not %q", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("url has no host")
	}
	if allowPrivate {
		return nil
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return fmt.Errorf("url host %s is loopback; set allow_private_targets to allow it", host)
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if why := refusedAddr(a); why != "" {
			return fmt.Errorf("url host %s is a %s address; set allow_private_targets to allow it", host, why)
		}
	}
	return nil
}

// redactURLError drops the URL from a url.Error, since it may carry
// credentials.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// urlOrigin returns the URL for logs: scheme and host only. User info,
// query strings and paths all carry credentials in practice (Slack, Discord
// and Teams webhook URLs hold their secret in the path); the subscription
// id in the same log line names the rest.
func urlOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid url)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

// splitHostIP parses the IP of a dialed "host:port" address.
func splitHostIP(address string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(host)
}
