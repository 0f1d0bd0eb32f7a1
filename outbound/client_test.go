package outbound

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The dial guard refuses 127.0.0.1 at dial time unless private targets are
// allowed; redirects are never followed.
func TestClientDialGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "reached")
	}))
	defer srv.Close()
	tests := []struct {
		name         string
		allowPrivate bool
		wantErr      string
	}{
		{"private targets refused", false, "refusing to dial 127.0.0.1"},
		{"private targets allowed", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
			resp, err := newClient(tt.allowPrivate).Do(req)
			if tt.wantErr != "" {
				if err == nil {
					resp.Body.Close()
					t.Fatal("the request reached a loopback server")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if string(body) != "reached" {
				t.Fatalf("body %q", body)
			}
		})
	}
}

// A name that resolves to loopback is refused too: the check is on the
// dialed address, after DNS.
func TestClientDialGuardAfterDNS(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	resp, err := newClient(false).Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("a name resolving to loopback was dialed")
	}
	if !strings.Contains(err.Error(), "loopback address") {
		t.Fatalf("error %v", err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	reached := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			reached <- struct{}{}
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/hook", nil)
	resp, err := newClient(true).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want the 302 itself", resp.StatusCode)
	}
	select {
	case <-reached:
		t.Fatal("the redirect was followed")
	default:
	}
}
