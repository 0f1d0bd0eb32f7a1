//go:build unix

package receiver

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/hookgate/hookgate/signing"
)

// BenchmarkAck is the receiver's own work for one signed 1 KiB XTND
// webhook: read, verify, find the dedupe key, a real Badger write (process
// durability, so the figure is the handler's rather than the disk's) and
// the ack. Requests are signed ahead, outside the timer, each with a new
// NotificationId. cpu-ns/op is the process's CPU time per request, which
// counts the store's writer goroutine that ns/op (one request at a time)
// mostly spends waiting for.
func BenchmarkAck(b *testing.B) {
	st := openStore(b)
	r := newReceiver(b, Config{
		Name:      "bench",
		Verifiers: []signing.Verifier{verifier(b, signing.Config{Scheme: signing.SchemeMSSignature, Secrets: []string{xtndSecret}})},
		ForwardTo: "http://127.0.0.1:1/app",
	}, st, func(string) {})
	type prepared struct {
		body   []byte
		header http.Header
	}
	prepare := func(from, n int) []prepared {
		out := make([]prepared, n)
		for i := range out {
			body := xtndBody(fmt.Sprintf("%012d", from+i))
			pad := `,"Pad":"` + string(bytes.Repeat([]byte("x"), 1024-len(body)-10)) + `"}`
			body = append(body[:len(body)-1], pad...)
			out[i] = prepared{body, signed(b, signing.SchemeMSSignature, xtndSecret, "", body)}
		}
		return out
	}
	const chunk = 4096
	var reqs []prepared
	cpu0 := cpuTime()
	var prepCPU time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%chunk == 0 {
			b.StopTimer()
			p0 := cpuTime()
			reqs = prepare(i, chunk)
			prepCPU += cpuTime() - p0
			b.StartTimer()
		}
		p := reqs[i%chunk]
		req := httptest.NewRequest(http.MethodPost, "/hooks/xtnd", bytes.NewReader(p.body))
		req.Header = p.header
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0-prepCPU)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
