// Package signing signs outbound webhook deliveries and verifies inbound
// webhook requests for hookgate.
//
// It is the single place where hookgate handles webhook signatures: the
// inbound receiver builds a Verifier from each `verify` line, and the outbound
// dispatcher builds a Signer from each subscription's signature scheme and
// secret. The package depends on the standard library only and never imports
// Caddy, so it can be tested and fuzzed on its own.
//
// Supported schemes are ms_signature (Extend Commerce), standard (Standard
// Webhooks v1 HMAC and v1a ed25519), github, stripe, shopify, a generic hmac
// scheme, a shared token, and none. Every comparison of secret material is
// constant-time, and every verification failure is an *Error whose Reason is
// safe to log and to return to the caller: it never contains a secret or a
// signature value.
package signing
