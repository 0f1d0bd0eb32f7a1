package badgerstore

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

// crashDirEnv tells the test binary, started as a child by TestCrash, to
// run TestCrashChild in that directory.
const crashDirEnv = "BADGERSTORE_CRASH_DIR"

// TestCrash kills a process in the middle of durable writes and checks
// that every write it acknowledged is there after reopening.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()

	var confirmed []string
	collect := func(line string) {
		if id, ok := strings.CutPrefix(line, "confirmed "); ok {
			confirmed = append(confirmed, id)
		}
	}
	timer := time.NewTimer(time.Second)
read:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("child exited before it was killed")
			}
			collect(line)
		case <-timer.C:
			break read
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Lines the child wrote before it died were confirmed too.
	for line := range lines {
		collect(line)
	}
	_ = cmd.Wait() // killed: the error only says so
	if len(confirmed) < 100 {
		t.Fatalf("only %d writes confirmed in a second", len(confirmed))
	}

	s := openDir(t, dir, Fsync)
	for _, id := range confirmed {
		if _, err := s.Job("crash", id); err != nil {
			t.Fatalf("confirmed job %s lost: %v", id, err)
		}
	}
	n, err := s.Depth("crash")
	if err != nil || n < len(confirmed) {
		t.Fatalf("depth %d < %d confirmed (%v)", n, len(confirmed), err)
	}
	t.Logf("%d confirmed writes survived SIGKILL (%d jobs stored)", len(confirmed), n)
}

// TestCrashChild is the child half of TestCrash: it writes until killed
// and prints the ID of each acknowledged write.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestCrash")
	}
	s, err := Open(Options{Dir: dir, Durability: Fsync})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	payload := make([]byte, 1024)
	for range 16 {
		go func() {
			for {
				j := &store.Job{Queue: "crash", ID: store.NewID(), ReadyAt: time.Now(), Payload: payload}
				if err := s.Write(context.Background(), &store.Batch{Enqueue: []*store.Job{j}}); err != nil {
					t.Error(err)
					return
				}
				// One write(2) per line, after Write returned: the
				// parent may count the ID as soon as it reads it.
				mu.Lock()
				_, err := os.Stdout.WriteString("confirmed " + j.ID + "\n")
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	time.Sleep(30 * time.Second) // the parent kills us long before
	t.Error("not killed")
}
