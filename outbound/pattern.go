package outbound

import (
	"fmt"
	"strings"
	"unicode"
)

// Limits of a subscription's event patterns.
const (
	maxPatterns      = 100
	maxPatternLength = 256
)

// matchPattern reports whether the event type matches the pattern, where
// `*` matches any run of characters (including none) and every other
// character matches itself: "order:*" matches "order:created", "Article.*"
// matches "Article.Updated", and "*" matches everything.
func matchPattern(pattern, eventType string) bool {
	// Iterative glob matching with backtracking to the last star: linear
	// in practice and never exponential.
	p, t := 0, 0
	star, mark := -1, 0
	for t < len(eventType) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, t
			p++
		case p < len(pattern) && pattern[p] == eventType[t]:
			p++
			t++
		case star >= 0:
			p = star + 1
			mark++
			t = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchAny reports whether the event type matches one of the patterns.
func matchAny(patterns []string, eventType string) bool {
	for _, p := range patterns {
		if matchPattern(p, eventType) {
			return true
		}
	}
	return false
}

// validatePatterns checks a subscription's events list.
func validatePatterns(patterns []string) error {
	if len(patterns) == 0 {
		return fmt.Errorf("events must list at least one pattern (\"*\" for all)")
	}
	if len(patterns) > maxPatterns {
		return fmt.Errorf("events lists %d patterns; at most %d are allowed", len(patterns), maxPatterns)
	}
	for i, p := range patterns {
		if err := validateName(p, maxPatternLength); err != nil {
			return fmt.Errorf("events pattern %d: %w", i+1, err)
		}
	}
	return nil
}

// validateName checks an event type, pattern or entity id: not empty, not
// too long, no control characters or spaces around it.
func validateName(s string, maxLen int) error {
	if s == "" {
		return fmt.Errorf("must not be empty")
	}
	if len(s) > maxLen {
		return fmt.Errorf("is longer than %d bytes", maxLen)
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("%q has leading or trailing spaces", s)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains a control character", s)
		}
	}
	return nil
}
