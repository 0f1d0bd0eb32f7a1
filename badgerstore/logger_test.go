package badgerstore

import (
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/hookgate/hookgate/store"
)

func TestBadgerLoggerLevels(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	l := badgerLogger{l: zap.New(core)}
	l.Errorf("e %d\n", 1)
	l.Warningf("w %d", 2)
	l.Infof("i %d", 3)
	l.Debugf("d %d", 4)
	want := []struct {
		lvl zapcore.Level
		msg string
	}{{zap.ErrorLevel, "e 1"}, {zap.WarnLevel, "w 2"}, {zap.DebugLevel, "i 3"}, {zap.DebugLevel, "d 4"}}
	got := logs.All()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Level != w.lvl || got[i].Message != w.msg {
			t.Errorf("entry %d = %v %q, want %v %q", i, got[i].Level, got[i].Message, w.lvl, w.msg)
		}
	}

	// Below the logger's level nothing is formatted or logged.
	core, logs = observer.New(zapcore.InfoLevel)
	l = badgerLogger{l: zap.New(core)}
	l.Infof("routine")
	l.Debugf("noise")
	if n := logs.Len(); n != 0 {
		t.Fatalf("%d entries below Info were logged", n)
	}
}

func TestStoreLogsBadger(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	s, err := Open(Options{Dir: t.TempDir(), Durability: Process, Logger: zap.New(core), GCInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "a", time.Now())}})
	time.Sleep(30 * time.Millisecond) // a few GC rounds
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("close took %v", d)
	}
	if logs.FilterLoggerName("badger").Len() == 0 {
		t.Fatal("no Badger log reached the zap logger")
	}
	if n := logs.FilterLevelExact(zap.ErrorLevel).Len(); n != 0 {
		t.Fatalf("%d errors logged: %v", n, logs.FilterLevelExact(zap.ErrorLevel).All())
	}
}
