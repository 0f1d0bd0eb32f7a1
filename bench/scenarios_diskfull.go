package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// mountSmall mounts a small tmpfs at dir, or a loop-mounted ext4 image if
// tmpfs is refused. It returns an unmount function.
func mountSmall(dir string, mb int) (func(), string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", err
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dm", mb), "tmpfs", dir).CombinedOutput()
	if err == nil {
		return func() { exec.Command("umount", "-l", dir).Run() }, "tmpfs", nil
	}
	tmpfsErr := fmt.Errorf("mount tmpfs: %v: %s", err, out)
	img := dir + ".img"
	if err := exec.Command("truncate", "-s", fmt.Sprintf("%dM", mb), img).Run(); err != nil {
		return nil, "", fmt.Errorf("%v; truncate image: %v", tmpfsErr, err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", img).CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("%v; mkfs.ext4: %v: %s", tmpfsErr, err, out)
	}
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("%v; loop mount: %v: %s", tmpfsErr, err, out)
	}
	return func() { exec.Command("umount", "-l", dir).Run(); os.Remove(img) }, "loop ext4", nil
}

// fillDisk writes a filler file until the filesystem is full.
func fillDisk(path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, size := range []int{1 << 20, 64 << 10, 4 << 10, 512} {
		buf := make([]byte, size)
		for {
			m, err := f.Write(buf)
			n += int64(m)
			if err != nil {
				if errors.Is(err, syscall.ENOSPC) {
					break
				}
				return n, err
			}
		}
	}
	f.Sync()
	return n, nil
}

// scenarioDiskFull: fill the store's filesystem; the receiver must answer
// 503 (never 2xx for what it did not store) and recover when space returns.
func scenarioDiskFull(ctx context.Context, e *Env) {
	const name = "Disk full: 503 while full, recovers after"
	mnt := filepath.Join(e.Tmp, "small")
	unmount, kind, err := mountSmall(mnt, 384)
	if err != nil {
		e.R.Fault(Fault{Name: name, Lost: "-", Dups: "-", Detail: "skipped: " + err.Error(), Verdict: vSkip})
		return
	}
	defer unmount()
	app, err := StartApp()
	if err != nil {
		e.R.Fail("diskfull: %v", err)
		return
	}
	defer app.Close()
	c, ok := startGateway(e, "diskfull", CaddyOpts{AppURL: app.URL, StorageDir: filepath.Join(mnt, "store"), ForwardRetry: "100ms 200ms 500ms 1s", AckTimeout: "2s"})
	if !ok {
		return
	}
	defer c.Stop()
	var acked []string
	before := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 8, Count: 200})
	acked = append(acked, before.Acked...)

	filler := filepath.Join(mnt, "filler")
	filled, err := fillDisk(filler)
	if err != nil {
		e.R.Fault(Fault{Name: name, Lost: "-", Dups: "-", Detail: "skipped: fill: " + err.Error(), Verdict: vSkip})
		return
	}
	full := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 8, Duration: 3 * time.Second})
	acked = append(acked, full.Acked...)
	died := !c.Alive()
	status503 := full.Statuses[503]

	os.Remove(filler)
	var recovered time.Duration = -1
	t0 := time.Now()
	if !died {
		for time.Since(t0) < 15*time.Second {
			r := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 1, Count: 1})
			acked = append(acked, r.Acked...)
			if len(r.Acked) == 1 {
				recovered = time.Since(t0)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		after := RunLoad(ctx, LoadSpec{URL: c.URL("/in/ms"), Scheme: sigMS, Conns: 8, Count: 200})
		acked = append(acked, after.Acked...)
	}
	detail := fmt.Sprintf("%s 384 MB, filled %s; while full: %s; ", kind, fmtMB(filled), full.StatusString())
	switch {
	case died:
		detail += "CADDY DIED while the disk was full (" + crashReason(c.FullLog()) + ")"
		e.R.Fail("diskfull: caddy died while the disk was full: %s", crashReason(c.FullLog()))
		// space is back: restart on the same store and count what survived
		if err := c.Start(); err != nil {
			detail += "; restart after freeing space failed: " + err.Error()
		} else {
			detail += "; restarted after freeing space"
		}
	case recovered < 0:
		detail += "did NOT recover within 15 s after space returned"
	default:
		detail += fmt.Sprintf("recovered %s after space returned", fmtDur(recovered))
	}
	if status503 == 0 && !died {
		detail += fmt.Sprintf("; no 503 seen while full (%d 2xx acks: stored in space Badger had already reserved?)", len(full.Acked))
	}
	lossFault(e, name, app.Tally, acked, 30*time.Second, detail)
	if died {
		e.R.Fault(Fault{Name: "Disk full: Caddy stays up", Lost: "-", Dups: "-", Detail: "died: " + crashReason(c.FullLog()), Verdict: vFail})
	}
	if c.Alive() {
		checkAlive(e, "diskfull", c)
	}
}

// crashReason extracts the first fatal line of a Go crash from a log.
func crashReason(log string) string {
	for _, key := range []string{"fatal error", "panic:", "SIGBUS", "SIGSEGV"} {
		if i := strings.Index(log, key); i >= 0 {
			line := log[i:]
			if j := strings.IndexByte(line, '\n'); j > 0 {
				line = line[:j]
			}
			if k := strings.Index(log[i:], "github.com/dgraph-io/badger"); k >= 0 {
				fn := log[i+k:]
				if j := strings.IndexAny(fn, "\n\t "); j > 0 {
					fn = fn[:j]
				}
				line += " in " + fn
			}
			return line
		}
	}
	return "no crash message in the log"
}
