package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Verdicts.
const (
	vOK   = "ok"
	vMiss = "MISS" // a speed or memory target not met (does not fail the run)
	vFail = "FAIL" // lost events, wrong status, Caddy died (fails the run)
	vSkip = "SKIP"
)

// Figure is one measured figure beside its same-run reference.
type Figure struct {
	Name, Ratio, Value, Reference, Target, Verdict string
}

// Fault is the outcome of one fault scenario.
type Fault struct {
	Name    string
	Lost    string
	Dups    string
	Detail  string
	Verdict string
}

// BadRow is one malformed request and its outcome.
type BadRow struct {
	Target, Name, Want, Got, Verdict string
}

// Report collects everything the bench measured.
type Report struct {
	mu       sync.Mutex
	Mode     string
	Start    time.Time
	Figures  []Figure
	Faults   []Fault
	Bad      []BadRow
	Notes    []string
	Failures []string
}

func (r *Report) Figure(f Figure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Figures = append(r.Figures, f)
	logf("figure: %s | %s | %s | %s | %s", f.Name, f.Ratio, f.Value, f.Reference, f.Verdict)
}

func (r *Report) Fault(f Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Faults = append(r.Faults, f)
	if f.Verdict == vFail {
		r.Failures = append(r.Failures, f.Name+": "+f.Detail)
	}
	logf("fault: %s lost=%s dups=%s %s [%s]", f.Name, f.Lost, f.Dups, f.Detail, f.Verdict)
}

func (r *Report) BadInput(b BadRow) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Bad = append(r.Bad, b)
	if b.Verdict == vFail {
		r.Failures = append(r.Failures, "bad input "+b.Target+" "+b.Name+": want "+b.Want+" got "+b.Got)
	}
}

func (r *Report) Note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := fmt.Sprintf(format, args...)
	r.Notes = append(r.Notes, s)
	logf("note: %s", s)
}

func (r *Report) Fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := fmt.Sprintf(format, args...)
	r.Failures = append(r.Failures, s)
	logf("FAIL: %s", s)
}

func esc(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

// Markdown writes the report: ratios first, absolute figures second.
func (r *Report) Markdown(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(w, "# hookgate bench (%s mode, %s, %.0f s)\n\n", r.Mode, r.Start.Format(time.RFC3339), time.Since(r.Start).Seconds())
	fmt.Fprintf(w, "## Figures (reference measured in the same run)\n\n")
	fmt.Fprintf(w, "| Figure | Ratio | hookgate | Reference | Target | Verdict |\n|---|---|---|---|---|---|\n")
	for _, f := range r.Figures {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", esc(f.Name), esc(f.Ratio), esc(f.Value), esc(f.Reference), esc(f.Target), f.Verdict)
	}
	fmt.Fprintf(w, "\n## Faults (lost must be 0; duplicates allowed)\n\n")
	fmt.Fprintf(w, "| Scenario | Lost | Duplicates | Details | Verdict |\n|---|---|---|---|---|\n")
	for _, f := range r.Faults {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", esc(f.Name), esc(f.Lost), esc(f.Dups), esc(f.Detail), f.Verdict)
	}
	if len(r.Bad) > 0 {
		ok := 0
		for _, b := range r.Bad {
			if b.Verdict == vOK {
				ok++
			}
		}
		fmt.Fprintf(w, "\n## Bad input (%d/%d rows as expected)\n\n", ok, len(r.Bad))
		fmt.Fprintf(w, "| Target | Request | Expected | Got | Verdict |\n|---|---|---|---|---|\n")
		for _, b := range r.Bad {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", esc(b.Target), esc(b.Name), esc(b.Want), esc(b.Got), b.Verdict)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "\n## Notes\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", esc(n))
		}
	}
	fmt.Fprintf(w, "\n## Result: ")
	if len(r.Failures) == 0 {
		fmt.Fprintf(w, "PASS (no event lost, every bad-input row as expected, Caddy stayed up)\n")
	} else {
		fmt.Fprintf(w, "FAIL\n\n")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "- %s\n", esc(f))
		}
	}
}

// Formatting helpers.
func fmtRate(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%s/s", thousands(int64(v+0.5)))
	default:
		return fmt.Sprintf("%.1f/s", v)
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func fmtMB(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

func verdict(ok bool) string {
	if ok {
		return vOK
	}
	return vMiss
}
