package caddymodule

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// openapi.json documents exactly the routes the handler serves: the same
// methods and paths as apiRoutes, which also builds the mux.
func TestAPIOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi version %q, want 3.0.x", doc.OpenAPI)
	}
	var documented []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options", "trace":
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	var served []string
	for _, r := range apiRoutes {
		served = append(served, r.method+" "+r.path)
	}
	slices.Sort(documented)
	slices.Sort(served)
	if !slices.Equal(documented, served) {
		t.Fatalf("openapi.json documents\n%s\nbut the handler serves\n%s",
			strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}

	// Each route reaches its own pattern in the mux the handler uses.
	mux := newAPIMux(&APIHandler{})
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, r := range apiRoutes {
		req := httptest.NewRequest(r.method, param.ReplaceAllString(r.path, "x1"), nil)
		if _, pattern := mux.Handler(req); pattern != r.method+" "+r.path {
			t.Errorf("%s %s routes to %q", r.method, req.URL.Path, pattern)
		}
	}
}
