package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookgate/hookgate/signing"
)

const bodySize = 1024

// runID makes event ids unique across runs.
func runID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Scheme names of the generator.
const (
	sigMS   = "ms"
	sigStd  = "std"
	sigNone = "none"
)

var (
	msSigner  signing.Signer
	stdSigner signing.Signer
)

func init() {
	var err error
	if msSigner, err = signing.NewSigner(signing.SchemeMSSignature, msSecret); err != nil {
		panic(err)
	}
	if stdSigner, err = signing.NewSigner(signing.SchemeStandard, stdSecret); err != nil {
		panic(err)
	}
}

// makeBody returns a 1 KiB JSON body carrying id, shaped for the scheme.
func makeBody(scheme, id string) []byte {
	var head, tail string
	switch scheme {
	case sigMS:
		head = `{"Id":"` + id + `","Attempt":1,"Properties":{"NotificationId":"` + id + `"},"Notifications":[{"Action":"bench.created","Details":{"pad":"`
		tail = `"}}]}`
	default:
		head = `{"type":"bench.created","id":"` + id + `","data":{"pad":"`
		tail = `"}}`
	}
	n := bodySize - len(head) - len(tail)
	if n < 0 {
		n = 0
	}
	return []byte(head + strings.Repeat("x", n) + tail)
}

// signedRequest builds a signed POST of body to url.
func signedRequest(ctx context.Context, url, scheme, id string, body []byte) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	// The event id is an idempotency key (the receiver dedupes on it), so
	// let net/http replay the POST on a keep-alive connection the server
	// closed (e.g. during a reload).
	req.Header.Set("Idempotency-Key", id)
	var h http.Header
	switch scheme {
	case sigMS:
		h, _ = msSigner.Sign(id, time.Now(), body)
	case sigStd:
		h, _ = stdSigner.Sign(id, time.Now(), body)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return req
}

// LoadSpec describes one load run.
type LoadSpec struct {
	URL      string
	Scheme   string
	Conns    int
	Duration time.Duration // stop after this long (0: no limit)
	Count    int           // stop after this many distinct events (0: no limit)
	Prefix   string
	Retry    bool // re-send the same event after an error or a non-2xx (as a provider would)
}

// LoadResult is what a run measured.
type LoadResult struct {
	Sent     int64 // requests sent
	Statuses map[int]int64
	Errors   int64 // transport errors
	Dups     int64 // 2xx with Webhook-Duplicate: true
	Acked    []string
	Lat      []time.Duration // of 2xx answers, sorted
	Elapsed  time.Duration
	FirstErr string
}

// OKPerSec is 2xx answers per second.
func (r *LoadResult) OKPerSec() float64 {
	return float64(len(r.Lat)) / r.Elapsed.Seconds()
}

// P returns the q-quantile of 2xx latencies.
func (r *LoadResult) P(q float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	i := int(q * float64(len(r.Lat)-1))
	return r.Lat[i]
}

// Count5xx counts 5xx answers.
func (r *LoadResult) Count5xx() int64 {
	var n int64
	for s, c := range r.Statuses {
		if s >= 500 {
			n += c
		}
	}
	return n
}

func (r *LoadResult) StatusString() string {
	var keys []int
	for k := range r.Statuses {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, r.Statuses[k]))
	}
	if r.Errors > 0 {
		parts = append(parts, fmt.Sprintf("err×%d", r.Errors))
	}
	return strings.Join(parts, " ")
}

func newTransport(conns int) *http.Transport {
	return &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// RunLoad drives spec.Conns keep-alive connections until the duration,
// the count or ctx ends it.
func RunLoad(ctx context.Context, spec LoadSpec) *LoadResult {
	if spec.Prefix == "" {
		spec.Prefix = runID()
	}
	if spec.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, spec.Duration)
		defer cancel()
	}
	tr := newTransport(spec.Conns)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	var (
		next     atomic.Int64
		mu       sync.Mutex
		res      = &LoadResult{Statuses: map[int]int64{}}
		wg       sync.WaitGroup
		firstErr atomic.Value
	)
	start := time.Now()
	for w := 0; w < spec.Conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var (
				lat      []time.Duration
				acked    []string
				statuses = map[int]int64{}
				sent     int64
				errs     int64
				dups     int64
			)
			defer func() {
				mu.Lock()
				res.Lat = append(res.Lat, lat...)
				res.Acked = append(res.Acked, acked...)
				for k, v := range statuses {
					res.Statuses[k] += v
				}
				res.Sent += sent
				res.Errors += errs
				res.Dups += dups
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				n := next.Add(1)
				if spec.Count > 0 && n > int64(spec.Count) {
					return
				}
				id := spec.Prefix + "-" + strconv.FormatInt(n, 10)
				body := makeBody(spec.Scheme, id)
				for ctx.Err() == nil {
					req := signedRequest(ctx, spec.URL, spec.Scheme, id, body)
					t0 := time.Now()
					resp, err := client.Do(req)
					sent++
					if err != nil {
						if ctx.Err() != nil {
							break
						}
						errs++
						firstErr.CompareAndSwap(nil, err.Error())
						if !spec.Retry {
							break
						}
						time.Sleep(20 * time.Millisecond)
						continue
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					d := time.Since(t0)
					statuses[resp.StatusCode]++
					if resp.StatusCode >= 200 && resp.StatusCode < 300 {
						lat = append(lat, d)
						acked = append(acked, id)
						if resp.Header.Get("Webhook-Duplicate") == "true" {
							dups++
						}
						break
					}
					if !spec.Retry {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	sort.Slice(res.Lat, func(i, j int) bool { return res.Lat[i] < res.Lat[j] })
	if v := firstErr.Load(); v != nil {
		res.FirstErr = v.(string)
	}
	return res
}

func stdSignerFor(secret string) (signing.Signer, error) {
	return signing.NewSigner(signing.SchemeStandard, secret)
}
