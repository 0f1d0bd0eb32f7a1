package caddymodule

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/hookgate/hookgate/badgerstore"
	"github.com/hookgate/hookgate/store"
)

// reloadConfig is a minimal config with the webhooks app on dir.
func reloadConfig(dir, durability string) string {
	return fmt.Sprintf(`{
	admin localhost:2999
	http_port 9700
	https_port 9743
	grace_period 1ns
	skip_install_trust
	webhooks {
		storage_dir %s
		durability %s
	}
}

http://127.0.0.1:9701 {
	bind 127.0.0.1
	handle_path /webhooks/* {
		webhook_api
	}
}
`, dir, durability)
}

func activeApp(t *testing.T) *App {
	t.Helper()
	a, err := caddy.ActiveContext().App("webhooks")
	if err != nil {
		t.Fatalf("webhooks app: %v", err)
	}
	return a.(*App)
}

// TestAppReloadSharesStore loads a config, writes through its store, reloads
// twice on the same storage_dir (with a different durability setting, which
// must not make it open a second database), and still sees the data through
// the same open database. Then it moves to another directory
// and checks the first database was closed (its lock released) with the
// data on disk.
func TestAppReloadSharesStore(t *testing.T) {
	dir := t.TempDir()
	tester := caddytest.NewTester(t)
	tester.InitServer(reloadConfig(dir, "fsync"), "caddyfile")
	t.Cleanup(func() { tester.InitServer("{\n\tadmin localhost:2999\n}\n", "caddyfile") })

	first := activeApp(t).store
	job := &store.Job{Queue: "in/reload", ID: store.NewID(), ReadyAt: time.Now().Add(time.Hour), CreatedAt: time.Now(), Payload: []byte("kept")}
	err := first.Write(context.Background(), &store.Batch{
		Enqueue: []*store.Job{job},
		Put:     []store.Record{{Kind: "test", Key: "k", Value: []byte("v")}},
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, durability := range []string{"process", "fsync"} {
		tester.InitServer(reloadConfig(dir, durability), "caddyfile")
		a := activeApp(t)
		if a.store != first {
			t.Fatalf("reload to durability %s opened a second database on the same directory", durability)
		}
		if v, err := a.store.Get("test", "k"); err != nil || string(v) != "v" {
			t.Fatalf("after reload (%s): record = %q, %v", durability, v, err)
		}
		if got, err := a.store.Job("in/reload", job.ID); err != nil || string(got.Payload) != "kept" {
			t.Fatalf("after reload (%s): job = %+v, %v", durability, got, err)
		}
		// The shared store takes writes under the new setting.
		if err := a.store.Write(context.Background(), &store.Batch{Put: []store.Record{{Kind: "test", Key: durability, Value: []byte("ok")}}}); err != nil {
			t.Fatalf("write after reload (%s): %v", durability, err)
		}
	}

	tester.InitServer(reloadConfig(t.TempDir(), "fsync"), "caddyfile")
	reopened, err := badgerstore.Open(badgerstore.Options{Dir: dir})
	if err != nil {
		t.Fatalf("the old directory is still locked after its last config went away: %v", err)
	}
	defer reopened.Close()
	for _, k := range []string{"k", "process", "fsync"} {
		if _, err := reopened.Get("test", k); err != nil {
			t.Errorf("record %q lost across reloads: %v", k, err)
		}
	}
	if d, err := reopened.Depth("in/reload"); err != nil || d != 1 {
		t.Errorf("queued job lost across reloads: depth %d, %v", d, err)
	}
}
