package hookgate

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// buildManifest is xcaddy.json.
type buildManifest struct {
	CaddyVersion string   `json:"caddy_version"`
	With         []string `json:"with"`
	Xcaddy       string   `json:"xcaddy"`
	PlainGo      string   `json:"plain_go"`
}

// TestBuildManifestAgrees checks that xcaddy.json, go.mod and cmd/caddy
// describe the same build: the same Caddy version, and every module that
// xcaddy would add is imported by the plain-Go main package.
func TestBuildManifestAgrees(t *testing.T) {
	raw, err := os.ReadFile("xcaddy.json")
	if err != nil {
		t.Fatal(err)
	}
	var m buildManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("xcaddy.json: %v", err)
	}

	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	modulePath := regexp.MustCompile(`(?m)^module\s+(\S+)`).FindSubmatch(gomod)
	caddyReq := regexp.MustCompile(`(?m)^\s*github\.com/caddyserver/caddy/v2\s+(\S+)`).FindSubmatch(gomod)
	if modulePath == nil || caddyReq == nil {
		t.Fatal("go.mod lacks the module line or the Caddy requirement")
	}
	if got := string(caddyReq[1]); got != m.CaddyVersion {
		t.Errorf("go.mod requires Caddy %s; xcaddy.json says %s", got, m.CaddyVersion)
	}
	if !slices.Contains(m.With, string(modulePath[1])) {
		t.Errorf("xcaddy.json's with %v lacks this module %s", m.With, modulePath[1])
	}

	want := "xcaddy build " + m.CaddyVersion
	for _, w := range m.With {
		want += " --with " + w
	}
	if m.Xcaddy != want {
		t.Errorf("xcaddy.json's xcaddy line is %q; from its fields it should be %q", m.Xcaddy, want)
	}
	if m.PlainGo != "go build -o caddy ./cmd/caddy" {
		t.Errorf("xcaddy.json's plain_go line %q does not build ./cmd/caddy", m.PlainGo)
	}

	f, err := parser.ParseFile(token.NewFileSet(), "cmd/caddy/main.go", nil, parser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	var imports []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		imports = append(imports, p)
	}
	for _, need := range append([]string{
		"github.com/caddyserver/caddy/v2/cmd",
		"github.com/caddyserver/caddy/v2/modules/standard",
	}, m.With...) {
		if !slices.Contains(imports, need) {
			t.Errorf("cmd/caddy/main.go does not import %s", need)
		}
	}
}
