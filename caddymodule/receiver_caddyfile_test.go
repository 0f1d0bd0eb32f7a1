package caddymodule

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReceiverCaddyfileGolden adapts every testdata/adapt/receiver_*.caddyfile
// and compares the JSON with the .json beside it, or the error with the .err
// beside it (TestAdaptGolden runs the same files with the rest; this test
// lets `-run Receiver` select them).
func TestReceiverCaddyfileGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "adapt", "receiver_*.caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) < 6 {
		t.Fatalf("found %d receiver golden inputs, want every form", len(inputs))
	}
	for _, in := range inputs {
		base := strings.TrimSuffix(in, ".caddyfile")
		t.Run(filepath.Base(base), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, adaptErr := adaptCaddyfile(src)
			if want, err := os.ReadFile(base + ".err"); err == nil {
				if adaptErr == nil || !strings.Contains(adaptErr.Error(), strings.TrimSpace(string(want))) {
					t.Fatalf("adapt error %v, want one containing %q", adaptErr, strings.TrimSpace(string(want)))
				}
				return
			}
			if adaptErr != nil {
				t.Fatalf("adapt: %v", adaptErr)
			}
			want, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatalf("no golden file (run TestAdaptGolden with -update): %v", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("adapted JSON differs from %s.json\n--- got\n%s", base, got)
			}
		})
	}
}

// TestReceiverCaddyfileHandlerJSON checks the handler JSON of each form
// field by field, independently of the golden files.
func TestReceiverCaddyfileHandlerJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // the handler's JSON
	}{
		{"minimal", "verify none\nforward_to http://127.0.0.1:3000/",
			`{"forward_to":"http://127.0.0.1:3000/","handler":"webhook_receiver","verify":[{"scheme":"none"}]}`},
		{"secrets keep their placeholders", "verify github {env.A} {file./run/b} literal\nforward_to http://x/",
			`{"forward_to":"http://x/","handler":"webhook_receiver","verify":[{"scheme":"github","secrets":["{env.A}","{file./run/b}","literal"]}]}`},
		{"dedupe header with ttl", "verify none\ndedupe header X-Id 1h\nforward_to http://x/",
			`{"dedupe":{"by":"header","name":"X-Id","ttl":3600000000000},"forward_to":"http://x/","handler":"webhook_receiver","verify":[{"scheme":"none"}]}`},
		{"dedupe json and sequence", "verify none\ndedupe json /a~1b/0\nsequence json /increment_id\nforward_to http://x/",
			`{"dedupe":{"by":"json","pointer":"/a~1b/0"},"forward_to":"http://x/","handler":"webhook_receiver","sequence":{"by":"json","pointer":"/increment_id"},"verify":[{"scheme":"none"}]}`},
		{"forward settings", "verify none\nforward_to http://x/\nforward_retry 50ms 1s\nforward_max_age 7d\nforward_concurrency 3\nforward_timeout 5s\nack_timeout 1s",
			`{"ack_timeout":1000000000,"forward_concurrency":3,"forward_max_age":604800000000000,"forward_retry":[50000000,1000000000],"forward_timeout":5000000000,"forward_to":"http://x/","handler":"webhook_receiver","verify":[{"scheme":"none"}]}`},
		{"ack with empty body", "verify none\nforward_to http://x/\nack 200 \"\"",
			`{"ack":{"body":"","status":200},"forward_to":"http://x/","handler":"webhook_receiver","verify":[{"scheme":"none"}]}`},
		{"sizes", "verify none\nforward_to http://x/\nmax_body 1MiB",
			`{"forward_to":"http://x/","handler":"webhook_receiver","max_body":1048576,"verify":[{"scheme":"none"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := ":8080 {\n\twebhook_receiver {\n" + indentBlock(tt.body) + "\t}\n}\n"
			out, err := adaptCaddyfile([]byte(src))
			if err != nil {
				t.Fatalf("adapt: %v", err)
			}
			var cfg struct {
				Apps struct {
					HTTP struct {
						Servers map[string]struct {
							Routes []struct {
								Handle []json.RawMessage `json:"handle"`
							} `json:"routes"`
						} `json:"servers"`
					} `json:"http"`
				} `json:"apps"`
			}
			if err := json.Unmarshal(out, &cfg); err != nil {
				t.Fatal(err)
			}
			srv := cfg.Apps.HTTP.Servers["srv0"]
			if len(srv.Routes) != 1 || len(srv.Routes[0].Handle) != 1 {
				t.Fatalf("unexpected routes in %s", out)
			}
			var got bytes.Buffer
			if err := json.Compact(&got, srv.Routes[0].Handle[0]); err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Fatalf("handler JSON\n got %s\nwant %s", got.String(), tt.want)
			}
		})
	}
}

func TestReceiverCaddyfileErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"unknown subdirective", "verify none\nfoward_to http://x/", "unrecognized webhook_receiver subdirective 'foward_to'"},
		{"unknown verify option", "verify hmac s {\n algo sha1\n}", "unrecognized verify option 'algo'"},
		{"two names", "", "webhook_receiver takes one name"},
		{"verify without scheme", "verify", "verify needs a scheme"},
		{"unknown scheme", "verify svix whsec_x", `verify: unknown scheme "svix"`},
		{"scheme without secret", "verify github", "verify github needs at least one secret"},
		{"none with a secret", "verify none s3cret", "verify none takes no secret"},
		{"option the scheme ignores", "verify github s {\n header X-Sig\n}", "verify github: header applies to hmac and token only"},
		{"tolerance on hmac", "verify hmac s {\n header X\n tolerance 1m\n}", "verify hmac: tolerance applies to standard and stripe only"},
		{"query on hmac", "verify hmac s {\n header X\n query q\n}", "verify hmac: query applies to token only"},
		{"unknown dedupe method", "dedupe query id", "unrecognized dedupe method 'query'"},
		{"dedupe header without name", "dedupe header", "dedupe header needs a header name"},
		{"dedupe json bad pointer", "dedupe json id", "must start with /"},
		{"dedupe off with ttl", "dedupe off 1h", "dedupe off takes no ttl"},
		{"dedupe bad ttl", "dedupe body forever", "dedupe ttl"},
		{"dedupe too many args", "dedupe header X 1h 2h", "wrong argument count"},
		{"sequence not json", "sequence header X-Seq", "sequence must be read with json"},
		{"sequence without pointer", "sequence json", "wrong argument count"},
		{"forward_retry empty", "forward_retry", "wrong argument count"},
		{"forward_retry zero", "forward_retry 1s 0s", "forward_retry must be positive"},
		{"forward_max_age bad", "forward_max_age soon", "forward_max_age"},
		{"forward_concurrency zero", "forward_concurrency 0", "forward_concurrency must be a positive whole number"},
		{"ordered with argument", "ordered yes", "wrong argument count"},
		{"ack not 2xx", "ack 500", "ack status must be 2xx"},
		{"ack 204 with body", "ack 204 hello", "ack 204 cannot have a body"},
		{"ack too many args", "ack 200 a b", "wrong argument count"},
		{"max_body bad", "max_body lots", "max_body must be a size"},
		{"max_body zero", "max_body 0", "max_body must be a size"},
		{"max_body over the limit", "max_body 64MiB", "max_body must be at most 32 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := "webhook_receiver {"
			if tt.name == "two names" {
				head = "webhook_receiver a b {"
			}
			src := ":8080 {\n\t" + head + "\n" + indentBlock(tt.body) + "\t}\n}\n"
			_, err := adaptCaddyfile([]byte(src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("adapt error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// indentBlock indents the lines of a webhook_receiver block body as caddy fmt
// would, so the adapter does not warn; a line starting with a space is one
// level deeper.
func indentBlock(body string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(body, "\n") {
		if line == "" {
			continue
		}
		indent := "\t\t"
		if strings.HasPrefix(line, " ") {
			indent = "\t\t\t"
		}
		b.WriteString(indent + strings.TrimSpace(line) + "\n")
	}
	return b.String()
}
