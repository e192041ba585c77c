package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report is what a run found.
type report struct {
	Config     config
	Data       dataset
	County     int
	Server     string
	Results    []result
	RSS, Peak  int64 // server memory at the end, and its peak over the run
	Idle       int64 // server peak RSS once started
	LoggedIn   int64 // server peak RSS once the users had logged in, before any load
	LoadBefore string
	LoadAfter  string
	Date       time.Time
}

// write writes the report as Markdown, ready to paste into BENCHMARKS.md.
func (r report) write(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "#### %s, %s children, %d users, %s per scenario (%s warm-up)", engineName(r.Data.Engine), thousands(r.Data.Children), c.Users, c.Duration, c.Warmup)
	if c.Rounds > 1 {
		fmt.Fprintf(w, ", median of %d rounds", c.Rounds)
		if hasScenario(c, "province") {
			fmt.Fprint(w, " (the provincial leader's page: once, after them)")
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Measured %s on %d × %s (GOMAXPROCS %d, %s); 1-minute load average %s before, %s after. ",
		r.Date.Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0), runtime.Version(), r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "Server: %s. 昌宁县 holds %s children (%d pages of 20). ", r.Server, thousands(r.County), max(1, (r.County+19)/20))
	if r.Data.Seeded > 0 {
		fmt.Fprintf(w, "Seeding (census file generated, imported, then ANALYZE or VACUUM (ANALYZE)) took %.0f s. ", r.Data.Seeded.Seconds())
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| scenario | requests | errors | req/s | p50 | p90 | p99 | max | p50 ÷ healthz p50 | server CPU per request | server RSS, largest sample |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, x := range r.Results {
		fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.Label, thousands(x.Requests), x.Errors,
			thousands(int(x.RPS+0.5)), ms(x.P50), ms(x.P90), ms(x.P99), ms(x.Max), times(x.Ratio), ms(x.CPU), mb(x.RSS))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Server peak RSS (VmHWM): %s once started, %s once %d users had logged in (argon2id, 19 MiB a login), %s at the end of the run; RSS at the end %s.\n",
		mb(r.Idle), mb(r.LoggedIn), c.Users*(1+boolInt(hasScenario(c, "province"))), mb(r.Peak), mb(r.RSS))
}

// engineName names the engine for people.
func engineName(d string) string {
	switch d {
	case "sqlite":
		return "SQLite"
	case "postgres":
		return "PostgreSQL"
	}
	return d
}

// ms formats a latency in milliseconds with three significant digits.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.0f ms", v)
}

// times formats a ratio.
func times(x float64) string {
	if x < 10 {
		return fmt.Sprintf("%.1f×", x)
	}
	return fmt.Sprintf("%.0f×", x)
}

// mb formats bytes as MB (2^20).
func mb(b int64) string { return fmt.Sprintf("%d MB", b>>20) }

// thousands formats n with comma thousands separators.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hasScenario(c config, name string) bool { return slices.Contains(c.Scenarios, name) }
