package caddymodule

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden adapt files under testdata/adapt")

// TestAdaptGolden adapts every testdata/adapt/*.caddyfile and compares the
// JSON with the .json file beside it. A .err file instead holds text the
// adapt error must contain. Run with -update to rewrite the .json files.
func TestAdaptGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "adapt", "*.caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no golden adapt inputs")
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".caddyfile")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, adaptErr := adaptCaddyfile(src)
			base := strings.TrimSuffix(in, ".caddyfile")
			if want, err := os.ReadFile(base + ".err"); err == nil {
				if adaptErr == nil {
					t.Fatalf("adapt succeeded; want an error containing %q", strings.TrimSpace(string(want)))
				}
				if !strings.Contains(adaptErr.Error(), strings.TrimSpace(string(want))) {
					t.Fatalf("adapt error %q does not contain %q", adaptErr, strings.TrimSpace(string(want)))
				}
				return
			}
			if adaptErr != nil {
				t.Fatalf("adapt: %v", adaptErr)
			}
			if *updateGolden {
				if err := os.WriteFile(base+".json", got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(base + ".json")
			if err != nil {
				t.Fatalf("no golden file (run with -update to create it): %v", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("adapted JSON differs from %s.json\n--- got\n%s\n--- want\n%s", base, got, want)
			}
		})
	}
}

// adaptCaddyfile adapts a Caddyfile to indented JSON as `caddy adapt` does.
func adaptCaddyfile(src []byte) ([]byte, error) {
	adapter := caddyfile.Adapter{ServerType: httpcaddyfile.ServerType{}}
	out, warnings, err := adapter.Adapt(src, map[string]any{"filename": "Caddyfile"})
	if err != nil {
		return nil, err
	}
	if len(warnings) > 0 {
		var b strings.Builder
		for _, w := range warnings {
			b.WriteString(w.String() + "; ")
		}
		return nil, &adaptWarnings{b.String()}
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "\t"); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

type adaptWarnings struct{ text string }

func (w *adaptWarnings) Error() string { return "adapt warnings: " + w.text }
