package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type badCase struct {
	target string
	name   string
	want   []int // acceptable statuses; 0 means the connection closed without an answer
	id     string
	do     func(ctx context.Context) (int, http.Header, error)
	check  func(h http.Header) string // extra check on a passing status; "" = fine
}

func msSign(body []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return "sha256=" + strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

// send posts body to url with headers (a signature is not added).
func send(ctx context.Context, method, url string, body []byte, hdr map[string]string) (int, http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	cl := &http.Client{Timeout: 20 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, nil, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

// rawSend writes raw to addr, optionally stalls, and reads one response
// (0 if the server closed without one).
func rawSend(addr, head string, body []byte, stall time.Duration) (int, http.Header, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		return 0, nil, err
	}
	if len(body) > 0 {
		conn.Write(body)
	}
	if stall > 0 {
		time.Sleep(stall)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, nil // closed without an answer
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header, nil
}

func xtnd(id string) []byte { return makeBody(sigMS, id) }

// scenarioBadInput: a table of malformed requests against the receiver and
// the API, each with its expected status; Caddy stays up.
func scenarioBadInput(ctx context.Context, e *Env) {
	app, err := StartApp()
	if err != nil {
		e.R.Fail("badinput: %v", err)
		return
	}
	defer app.Close()
	c, ok := startGateway(e, "badinput", CaddyOpts{AppURL: app.URL, ReadBody: "1s"})
	if !ok {
		return
	}
	defer c.Stop()
	api := NewAPI(c, 4)
	ms := c.URL("/in/ms")
	std := c.URL("/in/std")
	addr := "127.0.0.1:" + strconv.Itoa(c.HTTPPort)
	pfx := "bad-" + runID() + "-"
	json := map[string]string{"Content-Type": "application/json"}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	// ms_signature request of body
	msReq := func(url string, body []byte, sig string, extra ...string) func(context.Context) (int, http.Header, error) {
		return func(ctx context.Context) (int, http.Header, error) {
			h := with(json, extra...)
			if sig != "" {
				h["ms-signature"] = sig
			}
			return send(ctx, "POST", url, body, h)
		}
	}
	// standard request with explicit headers
	stdHeaders := func(id string, ts time.Time, body []byte) map[string]string {
		h, _ := stdSigner.Sign(id, ts, body)
		out := with(json)
		for k, v := range h {
			out[k] = v[0]
		}
		return out
	}
	stdReq := func(body []byte, h map[string]string) func(context.Context) (int, http.Header, error) {
		return func(ctx context.Context) (int, http.Header, error) { return send(ctx, "POST", std, body, h) }
	}
	stdBody := func(id string) []byte { return makeBody(sigStd, id) }

	var cases []badCase
	add := func(target, name string, want []int, id string, do func(context.Context) (int, http.Header, error)) *badCase {
		cases = append(cases, badCase{target: target, name: name, want: want, id: id, do: do})
		return &cases[len(cases)-1]
	}
	n := 0
	nid := func() string { n++; return pfx + strconv.Itoa(n) }

	// --- receiver, ms_signature (XTND)
	R := "receiver ms_signature"
	id := nid()
	add(R, "valid signed event (control)", []int{200}, id, msReq(ms, xtnd(id), msSign(xtnd(id), msSecret)))
	id = nid()
	add(R, "no ms-signature header", []int{401}, id, msReq(ms, xtnd(id), ""))
	id = nid()
	add(R, "signature with the wrong secret", []int{401}, id, msReq(ms, xtnd(id), msSign(xtnd(id), "other-secret")))
	id = nid()
	add(R, "signature without sha256= prefix", []int{401}, id, msReq(ms, xtnd(id), strings.TrimPrefix(msSign(xtnd(id), msSecret), "sha256=")))
	id = nid()
	add(R, "signature not hex", []int{401}, id, msReq(ms, xtnd(id), "sha256=zzzz-not-hex"))
	id = nid()
	add(R, "empty signature value", []int{401}, id, msReq(ms, xtnd(id), "sha256="))
	id = nid()
	add(R, "body tampered after signing", []int{401}, id, msReq(ms, append(xtnd(id)[:len(xtnd(id))-5], []byte(`"}}]}`)...), msSign(bytes.Replace(xtnd(id), []byte("xxxx"), []byte("yyyy"), 1), msSecret)))
	add(R, "signed empty body", []int{400}, "", msReq(ms, []byte{}, msSign([]byte{}, msSecret)))
	bad := []byte(`{"Id": "x", "Properties": {"NotificationId": `)
	add(R, "signed truncated JSON", []int{400}, "", msReq(ms, bad, msSign(bad, msSecret)))
	notJSON := []byte("NotificationId=abc&x=1")
	add(R, "signed non-JSON (form encoded)", []int{400}, "", msReq(ms, notJSON, msSign(notJSON, msSecret)))
	noKey := []byte(`{"Id":"` + nid() + `","Properties":{},"Notifications":[]}`)
	add(R, "signed JSON without /Properties/NotificationId (dedupe pointer)", []int{400}, "", msReq(ms, noKey, msSign(noKey, msSecret)))
	arr := []byte(`[{"Properties":{"NotificationId":"` + nid() + `"}}]`)
	add(R, "signed JSON array", []int{400}, "", msReq(ms, arr, msSign(arr, msSecret)))
	xml := []byte(`<Notification><NotificationId>` + nid() + `</NotificationId></Notification>`)
	add(R, "signed XML body, Content-Type application/xml (wrong content)", []int{400}, "", msReq(ms, xml, msSign(xml, msSecret), "Content-Type", "application/xml"))
	id = nid()
	add(R, "valid JSON sent as text/plain", []int{200, 415}, id, msReq(ms, xtnd(id), msSign(xtnd(id), msSecret), "Content-Type", "text/plain"))
	huge := bytes.Repeat([]byte("a"), 2<<20)
	hugeBody := append(append([]byte(`{"Properties":{"NotificationId":"`+nid()+`"},"pad":"`), huge...), []byte(`"}`)...)
	add(R, "2 MB body (> default max_body 1MB)", []int{413}, "", msReq(ms, hugeBody, msSign(hugeBody, msSecret)))
	mid := append(append([]byte(`{"Properties":{"NotificationId":"`+nid()+`"},"pad":"`), bytes.Repeat([]byte("a"), 5000)...), []byte(`"}`)...)
	add("receiver max_body 4KB", "5 KB body", []int{413}, "", msReq(c.URL("/in/small"), mid, msSign(mid, msSecret)))
	add("receiver max_body 4KB", "5 KB body, chunked (no Content-Length)", []int{413}, "", func(ctx context.Context) (int, http.Header, error) {
		head := "POST /in/small HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\nms-signature: " + msSign(mid, msSecret) + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
		var b bytes.Buffer
		for i := 0; i < len(mid); i += 1000 {
			j := min(i+1000, len(mid))
			fmt.Fprintf(&b, "%x\r\n%s\r\n", j-i, mid[i:j])
		}
		b.WriteString("0\r\n\r\n")
		return rawSend(addr, head, b.Bytes(), 0)
	})
	id = nid()
	add(R, "GET instead of POST", []int{401, 405}, id, func(ctx context.Context) (int, http.Header, error) { return send(ctx, "GET", ms, nil, nil) })
	dupID := nid()
	add(R, "same event twice: first", []int{200}, dupID, msReq(ms, xtnd(dupID), msSign(xtnd(dupID), msSecret)))
	add(R, "same event twice: second → ack + Webhook-Duplicate: true", []int{200}, dupID, msReq(ms, xtnd(dupID), msSign(xtnd(dupID), msSecret))).check = func(h http.Header) string {
		if h.Get("Webhook-Duplicate") != "true" {
			return "no Webhook-Duplicate: true header"
		}
		return ""
	}
	injID := "hdr-" + nid()
	add(R, "header injection: forged Webhook-Gateway-Id / Webhook-Verified / Webhook-Attempt", []int{200}, injID,
		msReq(ms, xtnd(injID), msSign(xtnd(injID), msSecret), "Webhook-Gateway-Id", "forged", "Webhook-Verified", "none", "Webhook-Attempt", "99"))
	// raw protocol abuse
	id = nid()
	add(R, "raw: header name with a space", []int{400}, id, func(ctx context.Context) (int, http.Header, error) {
		b := xtnd(id)
		return rawSend(addr, "POST /in/ms HTTP/1.1\r\nHost: "+addr+"\r\nBad Header: 1\r\nms-signature: "+msSign(b, msSecret)+"\r\nContent-Length: "+strconv.Itoa(len(b))+"\r\nConnection: close\r\n\r\n", b, 0)
	})
	id = nid()
	add(R, "raw: CR inside a header value (header injection)", []int{400}, id, func(ctx context.Context) (int, http.Header, error) {
		b := xtnd(id)
		return rawSend(addr, "POST /in/ms HTTP/1.1\r\nHost: "+addr+"\r\nX-A: v\rWebhook-Verified: none\r\nms-signature: "+msSign(b, msSecret)+"\r\nContent-Length: "+strconv.Itoa(len(b))+"\r\nConnection: close\r\n\r\n", b, 0)
	})
	id = nid()
	add(R, "slow sender: half the body, then stall past read_body 1s", []int{400, 408, 0}, id, func(ctx context.Context) (int, http.Header, error) {
		b := xtnd(id)
		return rawSend(addr, "POST /in/ms HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nms-signature: "+msSign(b, msSecret)+"\r\nContent-Length: "+strconv.Itoa(len(b))+"\r\nConnection: close\r\n\r\n", b[:len(b)/2], 2500*time.Millisecond)
	})
	id = nid()
	add(R, "Content-Length larger than the body, then close", []int{400, 0}, id, func(ctx context.Context) (int, http.Header, error) {
		b := xtnd(id)
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return 0, nil, err
		}
		io.WriteString(conn, "POST /in/ms HTTP/1.1\r\nHost: "+addr+"\r\nms-signature: "+msSign(b, msSecret)+"\r\nContent-Length: "+strconv.Itoa(len(b)+100)+"\r\n\r\n")
		conn.Write(b)
		conn.(*net.TCPConn).CloseWrite()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		defer conn.Close()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return 0, nil, nil
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header, nil
	})

	// --- receiver, Standard Webhooks
	S := "receiver standard"
	now := time.Now()
	id = nid()
	add(S, "valid signed event (control)", []int{200}, id, stdReq(stdBody(id), stdHeaders(id, now, stdBody(id))))
	id = nid()
	h := stdHeaders(id, now, stdBody(id))
	delete(h, "Webhook-Signature")
	add(S, "missing webhook-signature", []int{401}, id, stdReq(stdBody(id), h))
	id = nid()
	h = stdHeaders(id, now, stdBody(id))
	delete(h, "Webhook-Id")
	add(S, "missing webhook-id", []int{400, 401}, id, stdReq(stdBody(id), h))
	id = nid()
	h = stdHeaders(id, now, stdBody(id))
	delete(h, "Webhook-Timestamp")
	add(S, "missing webhook-timestamp", []int{401}, id, stdReq(stdBody(id), h))
	id = nid()
	add(S, "timestamp 10 min old (outside 5m tolerance)", []int{401}, id, stdReq(stdBody(id), stdHeaders(id, now.Add(-10*time.Minute), stdBody(id))))
	id = nid()
	add(S, "timestamp 10 min in the future", []int{401}, id, stdReq(stdBody(id), stdHeaders(id, now.Add(10*time.Minute), stdBody(id))))
	id = nid()
	h = stdHeaders(id, now, stdBody(id))
	h["Webhook-Timestamp"] = "yesterday"
	add(S, "non-numeric timestamp", []int{401}, id, stdReq(stdBody(id), h))
	id = nid()
	other, _ := stdSignerFor("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")
	oh, _ := other.Sign(id, now, stdBody(id))
	h = stdHeaders(id, now, stdBody(id))
	h["Webhook-Signature"] = oh.Get("Webhook-Signature")
	add(S, "signed with another whsec_ secret", []int{401}, id, stdReq(stdBody(id), h))
	id = nid()
	h = stdHeaders(id, now, stdBody(id))
	h["Webhook-Signature"] = "v1a,AAAA" + strings.Repeat("A", 80)
	add(S, "v1a ed25519 garbage signature", []int{401}, id, stdReq(stdBody(id), h))
	id = nid()
	h = stdHeaders(id, now, stdBody(id))
	h["Webhook-Id"] = id + "-replayed"
	add(S, "webhook-id changed after signing", []int{401}, id, stdReq(stdBody(id), h))

	// --- receiver with sequence
	seqBody := []byte(`{"event":"order:created","id":"` + nid() + `"}`)
	add("receiver sequence /increment_id", "signed JSON without /increment_id", []int{400}, "", msReq(c.URL("/in/seq"), seqBody, msSign(seqBody, msSecret)))

	// --- API
	A := "webhook_api"
	apiDo := func(method, path string, body string, hdr ...string) func(context.Context) (int, http.Header, error) {
		return func(ctx context.Context) (int, http.Header, error) {
			var b []byte
			if body != "" {
				b = []byte(body)
			}
			return send(ctx, method, api.Base+path, b, with(json, hdr...))
		}
	}
	bad422 := []int{400, 422}
	add(A, "POST /events invalid JSON", []int{400}, "", apiDo("POST", "/events", `{"type": "x", "data": `))
	add(A, "POST /events without type", bad422, "", apiDo("POST", "/events", `{"data": {"a": 1}}`))
	add(A, "POST /events type is a number", bad422, "", apiDo("POST", "/events", `{"type": 5, "data": {}}`))
	add(A, "POST /events 11 MB body", []int{413}, "", apiDo("POST", "/events", `{"type":"x","data":{"pad":"`+strings.Repeat("z", 11<<20)+`"}}`))
	add(A, "POST /subscriptions invalid JSON", []int{400}, "", apiDo("POST", "/subscriptions", `{"url": `))
	add(A, "POST /subscriptions without url", bad422, "", apiDo("POST", "/subscriptions", `{"events": ["*"]}`))
	add(A, "POST /subscriptions url scheme ftp://", bad422, "", apiDo("POST", "/subscriptions", `{"url": "ftp://example.com/hook"}`))
	add(A, "POST /subscriptions url javascript:", bad422, "", apiDo("POST", "/subscriptions", `{"url": "javascript:alert(1)"}`))
	add(A, "POST /subscriptions url without host", bad422, "", apiDo("POST", "/subscriptions", `{"url": "http://"}`))
	add(A, "POST /subscriptions unknown format", bad422, "", apiDo("POST", "/subscriptions", `{"url": "http://127.0.0.1:9/x", "format": "soap"}`))
	add(A, "POST /subscriptions signature none (inbound only)", bad422, "", apiDo("POST", "/subscriptions", `{"url": "http://127.0.0.1:9/x", "signature": "none"}`))
	add(A, "POST /subscriptions events is a string", bad422, "", apiDo("POST", "/subscriptions", `{"url": "http://127.0.0.1:9/x", "events": "order:*"}`))
	add(A, "GET /subscriptions/{unknown}", []int{404}, "", apiDo("GET", "/subscriptions/sub_doesnotexist", ""))
	add(A, "GET /subscriptions/{unknown}/secret", []int{404}, "", apiDo("GET", "/subscriptions/sub_doesnotexist/secret", ""))
	add(A, "PATCH /subscriptions/{unknown}", []int{404}, "", apiDo("PATCH", "/subscriptions/sub_doesnotexist", `{"active": true}`))
	add(A, "DELETE /subscriptions/{unknown}", []int{404}, "", apiDo("DELETE", "/subscriptions/sub_doesnotexist", ""))
	add(A, "GET /subscriptions/{unknown}/deliveries", []int{404}, "", apiDo("GET", "/subscriptions/sub_doesnotexist/deliveries", ""))
	add(A, "POST /deliveries/{unknown}/retry", []int{404}, "", apiDo("POST", "/deliveries/del_doesnotexist/retry", ""))
	add(A, "GET /receivers/{unknown}/dead", []int{404}, "", apiDo("GET", "/receivers/nosuchreceiver/dead", ""))
	add(A, "POST /receivers/ms/dead/{unknown}/retry", []int{404}, "", apiDo("POST", "/receivers/ms/dead/nosuchid/retry", ""))
	add(A, "GET /subscriptions?limit=abc", []int{400}, "", apiDo("GET", "/subscriptions?limit=abc", ""))
	add(A, "GET /nosuchpath", []int{404}, "", apiDo("GET", "/nosuchpath", ""))
	add(A, "DELETE /events (wrong method)", []int{404, 405}, "", apiDo("DELETE", "/events", ""))
	// PATCH an existing subscription with bad input
	subID := ""
	add(A, "POST /subscriptions valid (control)", []int{201}, "", func(ctx context.Context) (int, http.Header, error) {
		id, err := api.CreateSub(ctx, "http://127.0.0.1:9/x", nil)
		if err != nil {
			return 0, nil, err
		}
		subID = id
		return 201, nil, nil
	})
	add(A, "PATCH /subscriptions/{id} invalid JSON", []int{400}, "", func(ctx context.Context) (int, http.Header, error) {
		return apiDo("PATCH", "/subscriptions/"+subID, `{"active": `)(ctx)
	})
	add(A, "PATCH /subscriptions/{id} url ftp://", bad422, "", func(ctx context.Context) (int, http.Header, error) {
		return apiDo("PATCH", "/subscriptions/"+subID, `{"url": "ftp://example.com/"}`)(ctx)
	})
	add(A, "GET /receivers/seq/gaps (control)", []int{200}, "", apiDo("GET", "/receivers/seq/gaps", ""))

	accepting := map[string]bool{}
	rowOf := map[string]string{}
	rejecting := []string{}
	for _, cs := range cases {
		if ctx.Err() != nil {
			break
		}
		st, hdr, err := cs.do(ctx)
		got := strconv.Itoa(st)
		if st == 0 {
			got = "closed"
		}
		if err != nil {
			got = "error: " + err.Error()
		}
		okStatus := false
		for _, w := range cs.want {
			if err == nil && st == w {
				okStatus = true
			}
		}
		if okStatus && cs.check != nil {
			if msg := cs.check(hdr); msg != "" {
				okStatus = false
				got += " (" + msg + ")"
			}
		}
		var wants []string
		for _, w := range cs.want {
			if w == 0 {
				wants = append(wants, "closed")
			} else {
				wants = append(wants, strconv.Itoa(w))
			}
		}
		v := vOK
		if !okStatus {
			v = vFail
		}
		e.R.BadInput(BadRow{Target: cs.target, Name: cs.name, Want: strings.Join(wants, " or "), Got: got, Verdict: v})
		if cs.id != "" {
			if st >= 200 && st < 300 {
				accepting[cs.id] = true
				rowOf[cs.id] = cs.name
			} else {
				rejecting = append(rejecting, cs.id)
			}
		}
		if !c.Alive() {
			e.R.Fail("badinput: caddy died after %q", cs.name)
			return
		}
	}
	// nothing rejected reaches the app; everything accepted does
	var acc []string
	for id := range accepting {
		acc = append(acc, id)
	}
	app.Tally.WaitFor(acc, 10*time.Second)
	time.Sleep(500 * time.Millisecond)
	var leaked []string
	for _, id := range rejecting {
		if !accepting[id] && app.Tally.Has(id) {
			leaked = append(leaked, id)
		}
	}
	lost, dupE, _ := app.Tally.Count(acc)
	v := vOK
	detail := fmt.Sprintf("%d accepted delivered, %d rejected not forwarded", len(acc)-lost, len(rejecting)-len(leaked))
	if lost > 0 {
		v = vFail
		var rows []string
		for _, id := range app.Tally.Missing(acc, 10) {
			rows = append(rows, rowOf[id])
		}
		detail += fmt.Sprintf("; acked with 2xx but never delivered: %q", rows)
	}
	if len(leaked) > 0 {
		v = vFail
		detail += fmt.Sprintf("; %d REJECTED requests were forwarded to the app: %v", len(leaked), leaked)
	}
	if hv, ok := app.Headers.Load(injID); ok {
		hh := hv.(http.Header)
		if hh.Get("Webhook-Verified") != "ms_signature" || hh.Get("Webhook-Gateway-Id") == "forged" || hh.Get("Webhook-Attempt") == "99" {
			v = vFail
			detail += fmt.Sprintf("; forged headers reached the app: Webhook-Verified=%q Webhook-Gateway-Id=%q Webhook-Attempt=%q",
				hh.Get("Webhook-Verified"), hh.Get("Webhook-Gateway-Id"), hh.Get("Webhook-Attempt"))
		} else {
			detail += "; forged Webhook-* headers were replaced"
		}
	}
	e.R.Fault(Fault{Name: "Bad input: accepted delivered, rejected never forwarded", Lost: strconv.Itoa(lost), Dups: strconv.Itoa(dupE), Detail: detail, Verdict: v})
	if checkAlive(e, "badinput", c) {
		e.R.Note("badinput: Caddy healthy after %d malformed requests", len(cases))
	}
}
