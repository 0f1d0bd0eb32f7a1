// Package caddymodule is the only hookgate package that imports Caddy.
package caddymodule
