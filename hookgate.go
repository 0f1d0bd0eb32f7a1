// Package hookgate registers hookgate's Caddy modules. Import it (or build
// with `xcaddy build --with github.com/hookgate/hookgate`) to get the
// webhooks app and the webhook_receiver and webhook_api handlers.
package hookgate

import _ "github.com/hookgate/hookgate/caddymodule"
