package badgerstore

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

func TestEnqueueLeaseDone(t *testing.T) {
	s := openTest(t, Fsync)
	now := time.Now()
	j := job("app", "j1", now.Add(-time.Second))
	j.CounterKey = "seq"
	j.Attempt = 2
	write(t, s, &store.Batch{Enqueue: []*store.Job{j}})
	depth(t, s, "app", 1)

	got := lease(t, s, "app", 10)
	sameIDs(t, "lease", got, "j1")
	g := got[0]
	if g.Queue != "app" || !g.ReadyAt.Equal(j.ReadyAt) || !g.CreatedAt.Equal(j.CreatedAt) ||
		g.Attempt != 2 || g.CounterKey != "seq" || g.Seq != 1 || !bytes.Equal(g.Payload, j.Payload) {
		t.Fatalf("leased job %+v differs from enqueued %+v", g, j)
	}
	sameIDs(t, "second lease", lease(t, s, "app", 10))

	write(t, s, &store.Batch{Done: []*store.Job{g}})
	depth(t, s, "app", 0)
	if _, err := s.Job("app", "j1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job after done: got %v, want ErrNotFound", err)
	}
	if _, ok, err := s.NextReady("app"); ok || err != nil {
		t.Fatalf("NextReady after done: ok=%v err=%v", ok, err)
	}
	// Done of a job that no longer exists is skipped.
	write(t, s, &store.Batch{Done: []*store.Job{g}})
	depth(t, s, "app", 0)
}

func TestLeaseOrderAndSkips(t *testing.T) {
	s := openTest(t, Process)
	base := time.Now().Add(-time.Hour)
	// Same ready time: ID order. Earlier ready time first regardless of ID.
	write(t, s, &store.Batch{Enqueue: []*store.Job{
		job("q", "c", base.Add(time.Second)),
		job("q", "b", base.Add(time.Second)),
		job("q", "z", base),
		job("q", "a", base.Add(2*time.Second)),
		job("q", "later", time.Now().Add(time.Hour)),
	}})
	tests := []struct {
		name string
		max  int
		want []string
	}{
		{"first two", 2, []string{"z", "b"}},
		{"skips leased", 2, []string{"c", "a"}},
		{"future job not ready", 5, nil},
	}
	for _, tt := range tests {
		sameIDs(t, tt.name, lease(t, s, "q", tt.max), tt.want...)
	}
	depth(t, s, "q", 5)
	next, ok, err := s.NextReady("q")
	if err != nil || !ok {
		t.Fatalf("NextReady: ok=%v err=%v", ok, err)
	}
	if next.Before(time.Now().Add(59 * time.Minute)) {
		t.Fatalf("NextReady = %v, want the future job's time (leased jobs skipped)", next)
	}
	// Leasing at a later "now" returns the future job.
	got, err := s.Lease("q", time.Now().Add(2*time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "lease in the future", got, "later")
}

func TestRescheduleAndRelease(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now()
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "a", now.Add(-time.Minute)), job("q", "b", now.Add(-time.Minute))}})
	got := lease(t, s, "q", 2)
	sameIDs(t, "lease", got, "a", "b")
	notify := s.Notify("q")
	drain(notify)

	// Reschedule a into the future with a new attempt and payload.
	r := *got[0]
	r.ReadyAt = now.Add(time.Hour)
	r.Attempt = 1
	r.Payload = []byte("new")
	r.CreatedAt = time.Time{} // not taken from the caller
	write(t, s, &store.Batch{Reschedule: []*store.Job{&r}})
	expectSignal(t, notify, "reschedule")
	sameIDs(t, "lease after reschedule", lease(t, s, "q", 5))
	stored, err := s.Job("q", "a")
	if err != nil {
		t.Fatal(err)
	}
	if !stored.ReadyAt.Equal(r.ReadyAt) || stored.Attempt != 1 || string(stored.Payload) != "new" ||
		!stored.CreatedAt.Equal(got[0].CreatedAt) {
		t.Fatalf("rescheduled job = %+v", stored)
	}
	depth(t, s, "q", 2)
	next, ok, err := s.NextReady("q")
	if err != nil || !ok || !next.Equal(r.ReadyAt) {
		t.Fatalf("NextReady = %v %v %v, want %v", next, ok, err, r.ReadyAt)
	}
	got2, err := s.Lease("q", now.Add(2*time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	sameIDs(t, "lease after its time", got2, "a")

	// Release b: leasable again, and the queue is notified.
	s.Release(got[1])
	expectSignal(t, notify, "release")
	sameIDs(t, "lease after release", lease(t, s, "q", 5), "b")
	// Rescheduling into the past makes it leasable at once.
	r2 := *got[1]
	r2.ReadyAt = now.Add(-time.Hour)
	write(t, s, &store.Batch{Reschedule: []*store.Job{&r2}})
	sameIDs(t, "lease after reschedule into the past", lease(t, s, "q", 5), "b")
	// Rescheduling a job that does not exist is skipped.
	write(t, s, &store.Batch{Reschedule: []*store.Job{job("q", "nope", now)}})
	depth(t, s, "q", 2)
	if _, err := s.Job("q", "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("reschedule created a job: %v", err)
	}
}

func TestBuryExhume(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now().Add(-time.Minute)
	var jobs []*store.Job
	for i := range 5 {
		jobs = append(jobs, job("q", fmt.Sprintf("j%d", i), now))
	}
	write(t, s, &store.Batch{Enqueue: jobs})
	leased := lease(t, s, "q", 5)
	sameIDs(t, "lease", leased, "j0", "j1", "j2", "j3", "j4")

	dead := make([]*store.Job, 0, 3)
	for _, j := range leased[:3] {
		d := *j
		d.Attempt = 9
		dead = append(dead, &d)
	}
	write(t, s, &store.Batch{Bury: dead})
	depth(t, s, "q", 2)
	if _, err := s.Job("q", "j0"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("buried job still queued: %v", err)
	}
	tests := []struct {
		cursor string
		limit  int
		want   []string
	}{
		{"", 0, []string{"j0", "j1", "j2"}},
		{"", 2, []string{"j0", "j1"}},
		{"j0", 0, []string{"j1", "j2"}},
		{"j1", 5, []string{"j2"}},
		{"j2", 5, nil},
	}
	for _, tt := range tests {
		got, err := s.Dead("q", tt.cursor, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		sameIDs(t, fmt.Sprintf("dead(%q,%d)", tt.cursor, tt.limit), got, tt.want...)
	}
	dj, err := s.DeadJob("q", "j1")
	if err != nil || dj.Attempt != 9 {
		t.Fatalf("DeadJob = %+v, %v", dj, err)
	}
	if _, err := s.DeadJob("q", "j3"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeadJob of a queued job: got %v, want ErrNotFound", err)
	}

	ex := *dj
	ex.Attempt = 0
	ex.ReadyAt = now
	notify := s.Notify("q")
	drain(notify)
	write(t, s, &store.Batch{Exhume: []*store.Job{&ex, job("q", "never-dead", now)}})
	expectSignal(t, notify, "exhume")
	depth(t, s, "q", 3)
	sameIDs(t, "lease exhumed", lease(t, s, "q", 5), "j1")
	if _, err := s.DeadJob("q", "j1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("exhumed job still dead: %v", err)
	}
	if _, err := s.Job("q", "never-dead"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("exhume of a job that was not dead created it: %v", err)
	}
	// Burying a job that is not queued is skipped.
	write(t, s, &store.Batch{Bury: []*store.Job{job("q", "ghost", now)}})
	if _, err := s.DeadJob("q", "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("bury of a missing job made a dead letter: %v", err)
	}
}

func TestDrop(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now().Add(-time.Minute)
	var jobs []*store.Job
	// More jobs than one drop round, to cover the multi-transaction path.
	for i := range dropChunk + 500 {
		jobs = append(jobs, job("gone", fmt.Sprintf("j%06d", i), now))
	}
	for i := 0; i < len(jobs); i += 1000 {
		write(t, s, &store.Batch{Enqueue: jobs[i:min(i+1000, len(jobs))]})
	}
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("gone2", "x", now), job("stay", "y", now)}})
	leased := lease(t, s, "gone", 3)
	write(t, s, &store.Batch{Bury: leased[:1]})
	depth(t, s, "gone", len(jobs)-1)

	write(t, s, &store.Batch{
		Drop: []string{"gone", "gone2"},
		Put:  []store.Record{{Kind: "k", Key: "dropped", Value: []byte("yes")}},
	})
	for _, q := range []string{"gone", "gone2"} {
		depth(t, s, q, 0)
		sameIDs(t, "lease after drop "+q, lease(t, s, q, 10))
		dead, err := s.Dead(q, "", 0)
		if err != nil || len(dead) != 0 {
			t.Fatalf("dead letters after drop: %v %v", ids(dead), err)
		}
	}
	if _, err := s.Job("gone", "j000001"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("job after drop: %v", err)
	}
	if v, err := s.Get("k", "dropped"); err != nil || string(v) != "yes" {
		t.Fatalf("the drop batch's record: %q %v", v, err)
	}
	qs, err := s.Queues("")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(qs) != "[stay]" {
		t.Fatalf("queues after drop = %v", qs)
	}
	// The queue works after a drop, and the old leases are gone.
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("gone", leased[1].ID, now)}})
	sameIDs(t, "lease after re-enqueue", lease(t, s, "gone", 10), leased[1].ID)
	// Dropping again is idempotent.
	write(t, s, &store.Batch{Drop: []string{"gone", "never"}})
	depth(t, s, "gone", 0)
	// A duplicate drop drops nothing.
	write(t, s, &store.Batch{Claims: []store.Claim{{Scope: "s", Key: "k"}}})
	err = s.Write(t.Context(), &store.Batch{Claims: []store.Claim{{Scope: "s", Key: "k"}}, Drop: []string{"stay"}})
	if !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("duplicate drop: %v", err)
	}
	depth(t, s, "stay", 1)
}

func TestDepthAndQueues(t *testing.T) {
	s := openTest(t, Process)
	now := time.Now().Add(-time.Second)
	steps := []struct {
		name   string
		batch  *store.Batch
		depths map[string]int
		queues string // Queues("in/")
	}{
		{"enqueue", &store.Batch{Enqueue: []*store.Job{job("in/a", "1", now), job("in/a", "2", now), job("in/b", "1", now), job("out/x", "1", now)}},
			map[string]int{"in/a": 2, "in/b": 1, "out/x": 1}, "[in/a in/b]"},
		{"re-enqueue same id", &store.Batch{Enqueue: []*store.Job{job("in/a", "1", now.Add(time.Hour))}},
			map[string]int{"in/a": 2}, "[in/a in/b]"},
		{"done", &store.Batch{Done: []*store.Job{job("in/b", "1", now)}},
			map[string]int{"in/b": 0}, "[in/a]"},
		{"bury", &store.Batch{Bury: []*store.Job{job("in/a", "2", now)}},
			map[string]int{"in/a": 1}, "[in/a]"},
		{"exhume", &store.Batch{Exhume: []*store.Job{job("in/a", "2", now)}},
			map[string]int{"in/a": 2}, "[in/a]"},
		{"reschedule", &store.Batch{Reschedule: []*store.Job{job("in/a", "2", now.Add(time.Hour))}},
			map[string]int{"in/a": 2}, "[in/a]"},
		{"drop", &store.Batch{Drop: []string{"in/a"}},
			map[string]int{"in/a": 0, "out/x": 1}, "[]"},
	}
	for _, st := range steps {
		write(t, s, st.batch)
		for q, want := range st.depths {
			if got, _ := s.Depth(q); got != want {
				t.Fatalf("after %s: depth %s = %d, want %d", st.name, q, got, want)
			}
		}
		qs, err := s.Queues("in/")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(qs) != st.queues {
			t.Fatalf("after %s: Queues = %v, want %s", st.name, qs, st.queues)
		}
	}
	// A re-enqueue with a new ready time moved the job rather than
	// copying it.
	got, err := s.Lease("in/b", time.Now(), 10)
	if err != nil || len(got) != 0 {
		t.Fatalf("lease of emptied queue: %v %v", ids(got), err)
	}
}

func TestNotify(t *testing.T) {
	s := openTest(t, Process)
	ch := s.Notify("q")
	if s.Notify("q") != ch {
		t.Fatal("Notify returned a different channel for the same queue")
	}
	write(t, s, &store.Batch{Put: []store.Record{{Kind: "k", Key: "r"}}})
	expectNoSignal(t, ch, "a write without jobs")
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", "a", time.Now())}})
	expectSignal(t, ch, "enqueue")
	// Signals do not pile up and never block the writer.
	for i := range 5 {
		write(t, s, &store.Batch{Enqueue: []*store.Job{job("q", fmt.Sprint(i), time.Now())}})
	}
	expectSignal(t, ch, "enqueues")
	expectNoSignal(t, ch, "a drained channel")
	write(t, s, &store.Batch{Enqueue: []*store.Job{job("other", "a", time.Now())}})
	expectNoSignal(t, ch, "another queue's enqueue")
}

func TestRecords(t *testing.T) {
	s := openTest(t, Process)
	write(t, s, &store.Batch{Put: []store.Record{
		{Kind: "sub", Key: "a1", Value: []byte("1")},
		{Kind: "sub", Key: "a2", Value: []byte("2")},
		{Kind: "sub", Key: "a3", Value: []byte("3"), TTL: time.Hour},
		{Kind: "sub", Key: "b1", Value: []byte("4")},
		{Kind: "subx", Key: "a0", Value: []byte("other kind")},
	}})
	if v, err := s.Get("sub", "a2"); err != nil || string(v) != "2" {
		t.Fatalf("get: %q %v", v, err)
	}
	if _, err := s.Get("sub", "zz"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	tests := []struct {
		prefix, cursor string
		limit          int
		want           string
	}{
		{"", "", 0, "[a1 a2 a3 b1]"},
		{"a", "", 0, "[a1 a2 a3]"},
		{"a", "", 2, "[a1 a2]"},
		{"a", "a2", 0, "[a3]"},
		{"", "a3", 0, "[b1]"},
		{"b", "a1", 0, "[b1]"},
		{"a", "b", 0, "[]"},
	}
	for _, tt := range tests {
		recs, err := s.List("sub", tt.prefix, tt.cursor, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		keys := make([]string, len(recs))
		for i, r := range recs {
			keys[i] = r.Key
			if r.Kind != "sub" {
				t.Fatalf("record of kind %q", r.Kind)
			}
		}
		if got := fmt.Sprint(keys); got != tt.want {
			t.Fatalf("List(%q,%q,%d) = %s, want %s", tt.prefix, tt.cursor, tt.limit, got, tt.want)
		}
	}
	recs, _ := s.List("sub", "a3", "", 0)
	if len(recs) != 1 || recs[0].TTL <= 59*time.Minute || recs[0].TTL > time.Hour+time.Second {
		t.Fatalf("TTL of listed record: %+v", recs)
	}
	write(t, s, &store.Batch{Delete: []store.RecordRef{{Kind: "sub", Key: "a2"}}})
	if _, err := s.Get("sub", "a2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestInvalidBatch(t *testing.T) {
	s := openTest(t, Process)
	tests := []struct {
		name string
		b    *store.Batch
	}{
		{"nil", nil},
		{"empty queue", &store.Batch{Enqueue: []*store.Job{{ID: "a"}}}},
		{"nul in queue", &store.Batch{Enqueue: []*store.Job{{Queue: "a\x00b", ID: "a"}}}},
		{"no id", &store.Batch{Done: []*store.Job{{Queue: "a"}}}},
		{"nil job", &store.Batch{Bury: []*store.Job{nil}}},
		{"nul in kind", &store.Batch{Put: []store.Record{{Kind: "a\x00", Key: "k"}}}},
		{"nul in scope", &store.Batch{Claims: []store.Claim{{Scope: "a\x00", Key: "k"}}}},
	}
	for _, tt := range tests {
		if err := s.Write(t.Context(), tt.b); err == nil {
			t.Errorf("%s: write succeeded", tt.name)
		}
	}
}

func drain(ch <-chan struct{}) {
	select {
	case <-ch:
	default:
	}
}

func expectSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatalf("no notification after %s", what)
	}
}

func expectNoSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
		t.Fatalf("notification after %s", what)
	default:
	}
}
