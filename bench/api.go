package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// API is a client of the webhook_api mounted at /webhooks/.
type API struct {
	Base   string
	Client *http.Client
}

func NewAPI(c *Caddy, conns int) *API {
	return &API{Base: c.URL("/webhooks"), Client: &http.Client{Transport: newTransport(conns), Timeout: 30 * time.Second}}
}

// Do sends a JSON request and decodes a JSON answer into out (if non-nil).
func (a *API) Do(ctx context.Context, method, path string, in any, out any) (int, []byte, error) {
	var body io.Reader
	if in != nil {
		switch v := in.(type) {
		case []byte:
			body = bytes.NewReader(v)
		case string:
			body = bytes.NewReader([]byte(v))
		default:
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, a.Base+path, body)
	if err != nil {
		return 0, nil, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		_ = json.Unmarshal(b, out)
	}
	return resp.StatusCode, b, nil
}

// CreateSub creates a subscription to url and returns its id.
func (a *API) CreateSub(ctx context.Context, url string, policy map[string]any) (string, error) {
	in := map[string]any{"url": url, "events": []string{"*"}, "format": "standard"}
	if policy != nil {
		in["policy"] = policy
	}
	var out struct {
		ID string `json:"id"`
	}
	st, b, err := a.Do(ctx, "POST", "/subscriptions", in, &out)
	if err != nil {
		return "", err
	}
	if st != 201 || out.ID == "" {
		return "", fmt.Errorf("POST /subscriptions: %d %s", st, b)
	}
	return out.ID, nil
}

// CreateSubs creates n subscriptions in parallel; url(i) gives each URL.
func (a *API) CreateSubs(ctx context.Context, n, par int, url func(i int) string, policy map[string]any) ([]string, error) {
	ids := make([]string, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			id, err := a.CreateSub(ctx, url(i), policy)
			if err != nil {
				errs <- err
				return
			}
			ids[i] = id
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return ids, err
	}
	return ids, nil
}

// Publish posts an event carrying eid in its data; it returns the status
// and the fan-out count.
func (a *API) Publish(ctx context.Context, typ, eid string, pad int) (int, int, error) {
	in := map[string]any{"type": typ, "id": eid, "data": map[string]any{"eid": eid, "pad": string(bytes.Repeat([]byte("y"), pad))}}
	var out struct {
		ID         string `json:"id"`
		Deliveries int    `json:"deliveries"`
	}
	st, b, err := a.Do(ctx, "POST", "/events", in, &out)
	if err != nil {
		return 0, 0, err
	}
	if st != 202 {
		return st, 0, fmt.Errorf("POST /events: %d %s", st, b)
	}
	return st, out.Deliveries, nil
}
