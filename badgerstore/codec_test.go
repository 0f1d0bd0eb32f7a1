package badgerstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hookgate/hookgate/store"
)

func TestCodecRoundTrip(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		job  store.Job
	}{
		{"full", store.Job{ReadyAt: now, CreatedAt: now.Add(-time.Hour), Attempt: 7, CounterKey: "sub_1", Seq: 1 << 40, Payload: []byte(`{"a":1}`)}},
		{"zero times, no payload", store.Job{}},
		{"negative attempt", store.Job{Attempt: -1, Payload: []byte{0}}},
		{"binary payload", store.Job{Payload: []byte{0, 1, 2, 255}}},
		{"blob", store.Job{CounterKey: "c", Blob: "evt_1", Payload: []byte(`{"ref":true}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeJob("q", "id", encodeJob(&tt.job))
			if err != nil {
				t.Fatal(err)
			}
			w := tt.job
			if got.Queue != "q" || got.ID != "id" || !got.ReadyAt.Equal(w.ReadyAt) || !got.CreatedAt.Equal(w.CreatedAt) ||
				got.ReadyAt.IsZero() != w.ReadyAt.IsZero() || got.Attempt != w.Attempt ||
				got.CounterKey != w.CounterKey || got.Seq != w.Seq || got.Blob != w.Blob || !bytes.Equal(got.Payload, w.Payload) {
				t.Fatalf("decoded %+v, want %+v", got, w)
			}
		})
	}
}

// Values written before blobs existed (version 1) still decode.
func TestCodecReadsVersion1(t *testing.T) {
	j := store.Job{Attempt: 2, CounterKey: "ck", Seq: 5, Payload: []byte("old payload")}
	v2 := encodeJob(&j)
	// version 1 is version 2 without the blob length (0, one byte)
	at := len(v2) - len(j.Payload) - 1
	v1 := append(append([]byte{codecV1}, v2[1:at]...), v2[at+1:]...)
	got, err := decodeJob("q", "id", v1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempt != 2 || got.CounterKey != "ck" || got.Seq != 5 || got.Blob != "" || string(got.Payload) != "old payload" {
		t.Fatalf("decoded %+v", got)
	}
}

func TestCodecCorrupt(t *testing.T) {
	good := encodeJob(&store.Job{CounterKey: "abc", Payload: []byte("x")})
	tests := map[string][]byte{
		"empty":             nil,
		"unknown version":   append([]byte{9}, good[1:]...),
		"truncated header":  good[:10],
		"truncated counter": good[:len(good)-3],
		"truncated blob":    encodeJob(&store.Job{Blob: "evt_1"})[:23],
	}
	for name, b := range tests {
		if _, err := decodeJob("q", "id", b); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: got %v, want errCorrupt", name, err)
		}
	}
}

// BenchmarkCodec compares the binary job encoding with JSON for a 1 KiB
// payload.
func BenchmarkCodec(b *testing.B) {
	now := time.Now()
	j := &store.Job{Queue: "receiver/app", ID: store.NewID(), ReadyAt: now, CreatedAt: now, Attempt: 3,
		CounterKey: "sub_123", Seq: 42, Payload: bytes.Repeat([]byte("x"), 1024)}
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			v := encodeJob(j)
			n = len(v)
			if _, err := decodeJob(j.Queue, j.ID, v); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "bytes")
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			v, err := json.Marshal(j)
			if err != nil {
				b.Fatal(err)
			}
			n = len(v)
			var out store.Job
			if err := json.Unmarshal(v, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n), "bytes")
	})
}

// FuzzDecodeJob: any bytes either decode or fail with errCorrupt, never
// panic; what decodes encodes (as the current version) to a value that
// decodes to the same job.
func FuzzDecodeJob(f *testing.F) {
	now := time.Now()
	f.Add(encodeJob(&store.Job{ReadyAt: now, Attempt: 3, CounterKey: "ck", Seq: 9, Blob: "evt", Payload: []byte("p")}))
	f.Add(encodeJob(&store.Job{}))
	f.Add([]byte{codecV1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4, 0, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		j, err := decodeJob("q", "id", b)
		if err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v is not errCorrupt", err)
			}
			return
		}
		k, err := decodeJob("q", "id", encodeJob(j))
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !k.ReadyAt.Equal(j.ReadyAt) || !k.CreatedAt.Equal(j.CreatedAt) || k.Attempt != j.Attempt || k.Seq != j.Seq ||
			k.CounterKey != j.CounterKey || k.Blob != j.Blob || !bytes.Equal(k.Payload, j.Payload) {
			t.Fatalf("round trip changed %+v into %+v", j, k)
		}
	})
}
