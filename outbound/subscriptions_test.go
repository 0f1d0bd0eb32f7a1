package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/hookgate/hookgate/store"
)

func TestCreateRejectsInvalid(t *testing.T) {
	env := newTestEnv(t, Policy{})
	env.d.cfg.AllowPrivateTargets = false
	ok := "https://example.com/hook"
	tests := []struct {
		name    string
		in      SubscriptionInput
		wantErr string
	}{
		{"no url", SubscriptionInput{}, "url is required"},
		{"ftp url", SubscriptionInput{URL: "ftp://example.com/x"}, "http or https"},
		{"loopback url", SubscriptionInput{URL: "http://127.0.0.1/x"}, "allow_private_targets"},
		{"bad format", SubscriptionInput{URL: ok, Format: "soap"}, "format must be"},
		{"bad signature", SubscriptionInput{URL: ok, Signature: "md5"}, "signature"},
		{"inbound-only signature", SubscriptionInput{URL: ok, Signature: "token"}, "signature"},
		{"standard secret not base64", SubscriptionInput{URL: ok, Secret: "whsec_***"}, "signature"},
		{"header injection", SubscriptionInput{URL: ok, Headers: map[string]string{"X-A": "1\r\nX-B: 2"}}, "control character"},
		{"signature header override", SubscriptionInput{URL: ok, Headers: map[string]string{"webhook-signature": "v1,x"}}, "cannot be overridden"},
		{"empty events", SubscriptionInput{URL: ok, Events: []string{}}, "at least one pattern"},
		{"bad filter pointer", SubscriptionInput{URL: ok, Filter: map[string]json.RawMessage{"Warehouse": json.RawMessage(`"x"`)}}, "JSON pointer"},
		{"bad policy", SubscriptionInput{URL: ok, Policy: &Policy{DeactivateOnStatus: []int{1000}}}, "policy"},
		{"bad email", SubscriptionInput{URL: ok, ContactEmail: "not an email"}, "contact_email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.d.Create(context.Background(), tt.in)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Create = %v, want a ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
	if subs, _, _ := env.d.List("", 100); len(subs) != 0 {
		t.Fatalf("%d subscriptions stored after invalid creates", len(subs))
	}
	recs, _ := env.st.List(recordKind, "", "", 0)
	if len(recs) != 0 {
		t.Fatalf("%d subscription records stored after invalid creates", len(recs))
	}
}

func TestCreateDefaults(t *testing.T) {
	env := newTestEnv(t, Policy{})
	tests := []struct {
		format, wantSig, secretPrefix string
	}{
		{"", "standard", "whsec_"},
		{FormatStandard, "standard", "whsec_"},
		{FormatXTND, "ms_signature", ""},
		{FormatXena, "standard", "whsec_"},
		{FormatRaw, "standard", "whsec_"},
	}
	for _, tt := range tests {
		t.Run("format "+tt.format, func(t *testing.T) {
			s := env.create(t, SubscriptionInput{URL: "https://example.com/hook", Format: tt.format})
			if !strings.HasPrefix(s.ID, IDPrefix) || s.Signature != tt.wantSig || s.Status != StatusActive || !s.Active {
				t.Fatalf("created %+v", s)
			}
			if s.Secret == "" || !strings.HasPrefix(s.Secret, tt.secretPrefix) {
				t.Fatalf("secret %q, want prefix %q", s.Secret, tt.secretPrefix)
			}
			if len(s.Events) != 1 || s.Events[0] != "*" {
				t.Fatalf("events %v, want [*]", s.Events)
			}
			got, err := env.d.Get(s.ID)
			if err != nil || got.Secret != "" {
				t.Fatalf("Get = %+v, %v: want no secret", got, err)
			}
			secret, err := env.d.Secret(s.ID)
			if err != nil || secret != s.Secret {
				t.Fatalf("Secret = %q, %v", secret, err)
			}
		})
	}
}

func TestUpdateAndDelete(t *testing.T) {
	env := newTestEnv(t, Policy{})
	ctx := context.Background()
	s := env.create(t, SubscriptionInput{URL: "https://example.com/hook", Events: []string{"order:*"}})

	name := "shop"
	got, err := env.d.Update(ctx, s.ID, SubscriptionPatch{Name: &name})
	if err != nil || got.Name != "shop" || got.Events[0] != "order:*" {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	off := false
	got, err = env.d.Update(ctx, s.ID, SubscriptionPatch{Active: &off})
	if err != nil || got.Status != StatusDisabled || got.Active || got.StatusReason == "" {
		t.Fatalf("disable = %+v, %v", got, err)
	}
	on := true
	got, err = env.d.Update(ctx, s.ID, SubscriptionPatch{Active: &on})
	if err != nil || got.Status != StatusActive || !got.Active || got.StatusReason != "" {
		t.Fatalf("reactivate = %+v, %v", got, err)
	}
	bad := "gopher://x"
	if _, err := env.d.Update(ctx, s.ID, SubscriptionPatch{URL: &bad}); err == nil {
		t.Fatal("an invalid patch was accepted")
	}
	if got, _ := env.d.Get(s.ID); got.URL != "https://example.com/hook" {
		t.Fatalf("an invalid patch changed the url to %q", got.URL)
	}
	if err := env.d.Delete(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.d.Get(s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if err := env.d.Delete(ctx, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Delete = %v", err)
	}
}

func TestListPages(t *testing.T) {
	env := newTestEnv(t, Policy{})
	var ids []string
	for range 5 {
		ids = append(ids, env.create(t, SubscriptionInput{URL: "https://example.com/hook"}).ID)
	}
	var seen []string
	cursor := ""
	for {
		subs, next, err := env.d.List(cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			if s.Secret != "" {
				t.Fatal("List shows a secret")
			}
			seen = append(seen, s.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged %v, want %v", seen, ids)
	}
}

// Subscriptions survive a restart: a new dispatcher on a reopened store
// loads them.
func TestSubscriptionsPersist(t *testing.T) {
	dir := t.TempDir()
	st := openAt(t, dir)
	d, err := New(Config{Store: st, Policy: DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	s, err := d.Create(context.Background(), SubscriptionInput{URL: "https://example.com/hook", Name: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2 := openAt(t, dir)
	d2, err := New(Config{Store: st2, Policy: DefaultPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := d2.Get(s.ID)
	if err != nil || got.Name != "kept" {
		t.Fatalf("after reopening: %+v, %v", got, err)
	}
}

// The registry of a closed store is dropped when another store's is made.
func TestRegistryOfClosedStoreDropped(t *testing.T) {
	first := openAt(t, t.TempDir())
	if _, err := New(Config{Store: first, Policy: DefaultPolicy()}); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := openAt(t, t.TempDir())
	if _, err := New(Config{Store: second, Policy: DefaultPolicy()}); err != nil {
		t.Fatal(err)
	}
	registries.Lock()
	_, kept := registries.m[first]
	_, made := registries.m[second]
	registries.Unlock()
	if kept || !made {
		t.Fatalf("closed store's registry kept: %v; open store's made: %v", kept, made)
	}
}

// Once allow_private_targets is turned off, a subscription to a private
// address can still be disabled or renamed, but not pointed at another
// private address.
func TestUpdateWithURLNoLongerAllowed(t *testing.T) {
	env := newTestEnv(t, Policy{})
	s := env.create(t, SubscriptionInput{URL: "http://127.0.0.1:9/hook"})
	env.d.cfg.AllowPrivateTargets = false
	off, name := false, "kept"
	if got, err := env.d.Update(context.Background(), s.ID, SubscriptionPatch{Active: &off, Name: &name}); err != nil || got.Status != StatusDisabled {
		t.Fatalf("disabling: %+v, %v", got, err)
	}
	other := "http://10.0.0.1/hook"
	_, err := env.d.Update(context.Background(), s.ID, SubscriptionPatch{URL: &other})
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("moving to another private address: %v, want a ValidationError", err)
	}
}
