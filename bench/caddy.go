package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// buildCaddy builds ./cmd/caddy of the module that holds the working
// directory into dir and returns the binary's path.
func buildCaddy(dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "caddy")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/caddy")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/caddy: %v\n%s", err, out)
	}
	return bin, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the hookgate repository")
	}
	return filepath.Dir(mod), nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Secrets used by the bench receivers.
const (
	msSecret  = "bench-ms-secret"
	stdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

// CaddyOpts are the knobs of the generated Caddyfile.
type CaddyOpts struct {
	AppURL         string // forward_to base (the app), e.g. http://127.0.0.1:1234
	StorageDir     string // "" = <dir>/store
	Durability     string // fsync (default) or process
	ForwardRetry   string // e.g. "200ms 400ms 1s"; "" = default
	Outbound       string // body of the outbound { } block
	ReadBody       string // server read_body timeout, e.g. 2s
	AckTimeout     string
	ForwardConc    int
	NoPrivate      bool // leave allow_private_targets off
	ExtraReceivers string
	Plain          bool // only /health and /respond: no webhooks app (the memory reference)
}

var caddyfileTmpl = template.Must(template.New("cf").Parse(`{
	admin 127.0.0.1:{{.AdminPort}}
	auto_https off
	persist_config off
	storage file_system {{.Dir}}/caddydata
	servers {
		timeouts {
			read_header 5s
			read_body {{.ReadBody}}
		}
	}
{{- if not .Plain}}
	webhooks {
		storage_dir {{.StorageDir}}
		durability {{.Durability}}
{{- if not .NoPrivate}}
		allow_private_targets
{{- end}}
{{- if .Outbound}}
		outbound {
{{.Outbound}}
		}
{{- end}}
	}
{{- end}}
}

http://127.0.0.1:{{.HTTPPort}} {
	handle /health {
		respond "ok" 200
	}
	handle /respond {
		respond ` + "`" + `{"Success": true}` + "`" + ` 200
	}
{{- if not .Plain}}
	handle /in/ms {
		webhook_receiver ms {
			verify ms_signature ` + msSecret + `
			forward_to {{.AppURL}}/ms
{{- if .ForwardRetry}}
			forward_retry {{.ForwardRetry}}
{{- end}}
{{- if .ForwardConc}}
			forward_concurrency {{.ForwardConc}}
{{- end}}
{{- if .AckTimeout}}
			ack_timeout {{.AckTimeout}}
{{- end}}
		}
	}
	handle /in/std {
		webhook_receiver std {
			verify standard ` + stdSecret + `
			forward_to {{.AppURL}}/std
{{- if .ForwardRetry}}
			forward_retry {{.ForwardRetry}}
{{- end}}
{{- if .AckTimeout}}
			ack_timeout {{.AckTimeout}}
{{- end}}
		}
	}
	handle /in/small {
		webhook_receiver small {
			verify ms_signature ` + msSecret + `
			forward_to {{.AppURL}}/small
			max_body 4KB
		}
	}
	handle /in/seq {
		webhook_receiver seq {
			verify ms_signature ` + msSecret + `
			sequence json /increment_id
			forward_to {{.AppURL}}/seq
		}
	}
{{.ExtraReceivers}}
	handle_path /webhooks/* {
		webhook_api
	}
{{- end}}
}
`))

// Caddy is one running (or stopped) gateway process.
type Caddy struct {
	Bin       string
	Dir       string // the instance's temp dir
	Opts      CaddyOpts
	AdminPort int
	HTTPPort  int
	cmd       *exec.Cmd
	exited    chan struct{}
	log       *os.File
	cfgPath   string
}

// NewCaddy writes a Caddyfile into a fresh temp dir under parent.
func NewCaddy(bin, parent string, o CaddyOpts) (*Caddy, error) {
	dir, err := os.MkdirTemp(parent, "caddy-")
	if err != nil {
		return nil, err
	}
	if o.StorageDir == "" {
		o.StorageDir = filepath.Join(dir, "store")
	}
	if o.Durability == "" {
		o.Durability = "fsync"
	}
	if o.ReadBody == "" {
		o.ReadBody = "10s"
	}
	c := &Caddy{Bin: bin, Dir: dir, Opts: o, AdminPort: freePort(), HTTPPort: freePort()}
	c.cfgPath = filepath.Join(dir, "Caddyfile")
	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Caddy) writeConfig() error {
	var b bytes.Buffer
	err := caddyfileTmpl.Execute(&b, struct {
		CaddyOpts
		AdminPort, HTTPPort int
		Dir                 string
	}{c.Opts, c.AdminPort, c.HTTPPort, c.Dir})
	if err != nil {
		return err
	}
	return os.WriteFile(c.cfgPath, b.Bytes(), 0o644)
}

// URL returns the gateway URL of path.
func (c *Caddy) URL(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(c.HTTPPort) + path
}

// Start launches the process and waits until /health answers.
func (c *Caddy) Start() error {
	var err error
	c.log, err = os.OpenFile(filepath.Join(c.Dir, "caddy.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.Bin, "run", "--config", c.cfgPath, "--adapter", "caddyfile")
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(),
		"HOME="+c.Dir, "XDG_DATA_HOME="+filepath.Join(c.Dir, "xdgdata"),
		"XDG_CONFIG_HOME="+filepath.Join(c.Dir, "xdgconfig"), "GOMAXPROCS=2")
	cmd.Stdout = c.log
	cmd.Stderr = c.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL} // never outlive the bench
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd = cmd
	c.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(c.exited) }()
	return c.WaitHealthy(30 * time.Second)
}

// WaitHealthy polls /health.
func (c *Caddy) WaitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	cl := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			return fmt.Errorf("caddy exited during start; log tail:\n%s", c.LogTail(3000))
		default:
		}
		resp, err := cl.Get(c.URL("/health"))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("caddy not healthy after %v; log tail:\n%s", limit, c.LogTail(3000))
}

// Alive reports whether the process still runs.
func (c *Caddy) Alive() bool {
	if c.cmd == nil {
		return false
	}
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// Healthy reports whether the process runs and /health answers 200.
func (c *Caddy) Healthy() bool {
	if !c.Alive() {
		return false
	}
	cl := &http.Client{Timeout: 2 * time.Second}
	resp, err := cl.Get(c.URL("/health"))
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == 200
}

// Stop sends SIGTERM and waits (then SIGKILL after 15 s).
func (c *Caddy) Stop() {
	if !c.Alive() {
		c.closeLog()
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.closeLog()
}

// Kill sends SIGKILL and waits for the exit.
func (c *Caddy) Kill() {
	if !c.Alive() {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.exited
	c.closeLog()
}

func (c *Caddy) closeLog() {
	if c.log != nil {
		c.log.Close()
		c.log = nil
	}
}

// Pid returns the process id (0 when not started).
func (c *Caddy) Pid() int {
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// AdaptedJSON returns the JSON config for the Caddyfile.
func (c *Caddy) AdaptedJSON() ([]byte, error) {
	cmd := exec.Command(c.Bin, "adapt", "--config", c.cfgPath, "--adapter", "caddyfile")
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "HOME="+c.Dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("caddy adapt: %v: %s", err, stderr.String())
	}
	return out, nil
}

// Reload posts cfg to the admin API's /load, forcing a reload even when the
// config is unchanged.
func (c *Caddy) Reload(ctx context.Context, cfg []byte) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://127.0.0.1:"+strconv.Itoa(c.AdminPort)+"/load", bytes.NewReader(cfg))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cache-Control", "must-revalidate")
	cl := &http.Client{Timeout: 30 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("admin /load: %d %s", resp.StatusCode, b)
	}
	return nil
}

// RSS returns the resident set size in bytes from /proc/<pid>/status.
func (c *Caddy) RSS() int64 { return procRSS(c.Pid()) }

func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return -1
}

// CPUTicks returns utime+stime of the process in clock ticks.
func (c *Caddy) CPUTicks() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.Pid()))
	if err != nil {
		return -1
	}
	s := string(b)
	// fields after the command name, which is in parentheses
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	// f[0] is state (field 3); utime is field 14, stime 15
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

// LogTail returns the last n bytes of the instance's log.
func (c *Caddy) LogTail(n int) string {
	b, err := os.ReadFile(filepath.Join(c.Dir, "caddy.log"))
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// FullLog returns the instance's whole log.
func (c *Caddy) FullLog() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "caddy.log"))
	return string(b)
}
