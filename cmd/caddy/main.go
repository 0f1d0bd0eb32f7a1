// Command caddy is a Caddy build with hookgate's modules: the plain-Go
// equivalent of `xcaddy build --with github.com/hookgate/hookgate`.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/hookgate/hookgate"
)

func main() {
	caddycmd.Main()
}
