package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Subscriber is a loopback HTTP server standing in for outbound
// subscribers. The first path segment picks the behaviour:
//
//	/ok/<name>     200 at once
//	/hang/<name>   never answers (until the bench ends)
//	/500/<name>    500
//	/410/<name>    410 Gone
//	/unsub/<name>  200 with "please unsubscribe me"
//
// Every delivery is counted under "<path>|<event id>".
type Subscriber struct {
	Tally   *Tally
	URL     string
	srv     *http.Server
	mu      sync.Mutex
	perPath map[string]int64
	hangCtx context.Context
	stop    context.CancelFunc
	total   atomic.Int64
}

func StartSubscriber() (*Subscriber, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Subscriber{Tally: NewTally(), perPath: map[string]int64{}}
	s.hangCtx, s.stop = context.WithCancel(context.Background())
	s.URL = "http://127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(l)
	return s, nil
}

func (s *Subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.total.Add(1)
	s.mu.Lock()
	s.perPath[r.URL.Path]++
	s.mu.Unlock()
	kind := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
	switch kind {
	case "hang":
		select {
		case <-s.hangCtx.Done():
		case <-r.Context().Done():
		}
		return
	case "500":
		w.WriteHeader(500)
		return
	case "410":
		w.WriteHeader(410)
		return
	case "unsub":
		w.WriteHeader(200)
		io.WriteString(w, "OK, please unsubscribe me")
		return
	}
	s.Tally.Add(r.URL.Path+"|"+eventIDOf(body), r.Header.Get("webhook-id")+"|"+r.URL.Path)
	w.WriteHeader(200)
}

// Hits returns how many requests a path received.
func (s *Subscriber) Hits(path string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perPath[path]
}

func (s *Subscriber) Close() {
	s.stop()
	s.srv.Close()
}
