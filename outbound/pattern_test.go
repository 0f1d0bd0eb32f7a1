package outbound

import "testing"

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, eventType string
		want               bool
	}{
		{"*", "order:created", true},
		{"*", "", true},
		{"order:*", "order:created", true},
		{"order:*", "order:", true},
		{"order:*", "orders:created", false},
		{"order:*", "customer:created", false},
		{"Article.*", "Article.Updated", true},
		{"Article.*", "Article", false},
		{"*.Updated", "Article.Updated", true},
		{"*.Updated", "Article.Created", false},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"a*b*c", "abc", true},
		{"order:created", "order:created", true},
		{"order:created", "order:created2", false},
		{"order:created", "Order:created", false}, // case-sensitive
		{"**", "x", true},
		{"*a", "aaaa", true},
		{"*ab", "aaaa", false},
		// A pathological pattern stays fast (no exponential backtracking).
		{"*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
	}
	for _, tt := range tests {
		if got := matchPattern(tt.pattern, tt.eventType); got != tt.want {
			t.Errorf("matchPattern(%q, %q) = %v, want %v", tt.pattern, tt.eventType, got, tt.want)
		}
	}
}

func TestValidatePatterns(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		wantErr  bool
	}{
		{"one", []string{"order:*"}, false},
		{"several", []string{"order:*", "Article.*", "*"}, false},
		{"none", []string{}, true},
		{"empty pattern", []string{""}, true},
		{"control character", []string{"order:\n*"}, true},
		{"padded", []string{" order:*"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := validatePatterns(tt.patterns); (err != nil) != tt.wantErr {
				t.Fatalf("validatePatterns(%q) = %v, want error %v", tt.patterns, err, tt.wantErr)
			}
		})
	}
}
