package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

// run prepares the database, starts the server, logs the users in, runs
// the scenarios and writes the Markdown report to out; progress goes to
// log.
func run(ctx context.Context, c config, out, log io.Writer) error {
	before := loadAverage()
	ds, err := prepare(ctx, c, log)
	if err != nil {
		return err
	}
	// Everything after the preparation is bounded by the scenarios' own
	// limits, plus room for logins and stopping.
	per := c.Warmup + c.Duration + 2*requestTimeout
	ctx, cancel := context.WithTimeout(ctx, time.Duration(c.Rounds*len(c.Scenarios))*per+10*time.Minute)
	defer cancel()

	srv, err := startServer(ctx, c, log)
	if err != nil {
		return err
	}
	defer srv.Stop()
	base := srv.URL()
	fmt.Fprintf(log, "server at %s (%s)\n", base, c.Server)
	_, idle, _ := srv.Memory()

	tr := newTransport(c.Users)
	defer tr.CloseIdleConnections()
	officers, err := login(ctx, base, tr, officerName, c.Users)
	if err != nil {
		return err
	}
	var leaders []*user
	if slices.Contains(c.Scenarios, "province") || slices.Contains(c.Scenarios, "dashboard") || slices.Contains(c.Scenarios, "dashprov") {
		if leaders, err = login(ctx, base, tr, leaderName, c.Users); err != nil {
			return err
		}
	}
	county, err := learnCounty(ctx, base, officers[0])
	if err != nil {
		return err
	}
	_, loggedIn, _ := srv.Memory()
	fmt.Fprintf(log, "%d users logged in; 昌宁县 holds %d children; server peak RSS %s once started, %s after the logins\n",
		c.Users, county.Total, mb(idle), mb(loggedIn))
	county.Nodes = ds.Nodes
	scs := scenarios(c, officers, leaders, county)
	for _, s := range scs {
		if err := check(ctx, base, s); err != nil {
			return err
		}
	}

	// The rounds run every scenario but the province one, which runs once
	// after them: what its sorts over every child take stays with the
	// server (SQLite's memory) and would be counted against the others.
	var repeated, once []scenario
	for _, s := range scs {
		if s.name == "province" {
			once = append(once, s)
		} else {
			repeated = append(repeated, s)
		}
	}
	rounds := make([][]result, c.Rounds)
	for round := range c.Rounds {
		for _, s := range repeated {
			r, err := measure(ctx, c, srv, s, round, log)
			if err != nil {
				return err
			}
			r.Ratio = ratio(r.P50, rounds[round], r)
			rounds[round] = append(rounds[round], r)
			logResult(log, fmt.Sprintf("round %d/%d", round+1, c.Rounds), r)
		}
	}
	results := medians(rounds)
	for _, s := range once {
		r, err := measure(ctx, c, srv, s, 0, log)
		if err != nil {
			return err
		}
		r.Ratio = ratio(r.P50, results, r)
		results = append(results, r)
		logResult(log, "once", r)
	}
	if c.MemProfile != "" {
		runtime.GC()
		f, err := os.Create(c.MemProfile)
		if err != nil {
			return err
		}
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	rss, peak, err := srv.Memory()
	if err != nil {
		return fmt.Errorf("server memory: %w", err)
	}
	rep := report{Config: c, Data: ds, County: county.Total, Server: srv.Describe(), Results: results,
		RSS: rss, Peak: peak, Idle: idle, LoggedIn: loggedIn, LoadBefore: before, LoadAfter: loadAverage(), Date: time.Now()}
	rep.write(out)
	return nil
}

// ratio returns p50 over the baseline's p50 among the round's results so
// far (the baseline runs first); 1 for the baseline itself.
func ratio(p50 time.Duration, sofar []result, r result) float64 {
	if r.Name == "healthz" {
		return 1
	}
	for _, b := range sofar {
		if b.Name == "healthz" && b.P50 > 0 {
			return float64(p50) / float64(b.P50)
		}
	}
	return 0
}

// medians folds the rounds into one result per scenario: the median of
// each figure over the rounds (errors are summed, VmHWM is the largest).
func medians(rounds [][]result) []result {
	if len(rounds) == 1 {
		return rounds[0]
	}
	var out []result
	for i := range rounds[0] {
		col := make([]result, len(rounds))
		for r := range rounds {
			col[r] = rounds[r][i]
		}
		m := col[0]
		m.Requests = int(median(col, func(r result) float64 { return float64(r.Requests) }))
		m.RPS = median(col, func(r result) float64 { return r.RPS })
		m.Ratio = median(col, func(r result) float64 { return r.Ratio })
		dur := func(f func(result) time.Duration) time.Duration {
			return time.Duration(median(col, func(r result) float64 { return float64(f(r)) }))
		}
		m.P50 = dur(func(r result) time.Duration { return r.P50 })
		m.P90 = dur(func(r result) time.Duration { return r.P90 })
		m.P99 = dur(func(r result) time.Duration { return r.P99 })
		m.Max = dur(func(r result) time.Duration { return r.Max })
		m.RSS = int64(median(col, func(r result) float64 { return float64(r.RSS) }))
		m.CPU = dur(func(r result) time.Duration { return r.CPU })
		m.Errors = 0
		for _, r := range col {
			m.Errors += r.Errors
			m.Peak = max(m.Peak, r.Peak)
		}
		out = append(out, m)
	}
	return out
}

// median returns the median of f over rs (the mean of the middle two for
// an even count).
func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// loadAverage returns the 1-minute load average, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

// cpuModel returns the processor's model name, or "".
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sampleRSS samples the server's resident memory every 100 ms until the
// returned function is called, which returns the largest sample and, for
// an in-process server, the largest Go heap sampled (in use, bytes).
func sampleRSS(srv server) (stop func() (rss, heap int64)) {
	done := make(chan struct{})
	most := make(chan [2]int64, 1)
	go func() {
		var m [2]int64
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			if rss, _, err := srv.Memory(); err == nil {
				m[0] = max(m[0], rss)
			}
			if _, ok := srv.(*inprocServer); ok {
				metrics.Read(sample)
				m[1] = max(m[1], int64(sample[0].Value.Uint64()))
			}
			select {
			case <-done:
				most <- m
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) {
		close(done)
		m := <-most
		return m[0], m[1]
	}
}

// cpuProfile starts a CPU profile of one scenario's measured run in the
// first round, in c.CPUProfile with the scenario's name put in place of
// %s (or added before the extension), and returns the function that stops
// it.
func cpuProfile(c config, scenario string, round int) (stop func(), err error) {
	if c.CPUProfile == "" || round > 0 {
		return func() {}, nil
	}
	name := c.CPUProfile
	if strings.Contains(name, "%s") {
		name = strings.ReplaceAll(name, "%s", scenario)
	} else {
		ext := filepath.Ext(name)
		name = strings.TrimSuffix(name, ext) + "." + scenario + ext
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// measure warms the server up with s, then measures s, sampling the
// server's memory and, when asked, profiling it.
func measure(ctx context.Context, c config, srv server, s scenario, round int, log io.Writer) (result, error) {
	base := srv.URL()
	if c.Warmup > 0 {
		drive(ctx, base, s, c.Warmup, c.MaxRequests, uint64(1000+round))
	}
	stopProfile, err := cpuProfile(c, s.name, round)
	if err != nil {
		return result{}, err
	}
	stopSampling := sampleRSS(srv)
	cpu0, _ := srv.CPU()
	r := drive(ctx, base, s, c.Duration, c.MaxRequests, uint64(round))
	cpu1, _ := srv.CPU()
	r.RSS, r.Heap = stopSampling()
	if r.Requests > 0 {
		r.CPU = (cpu1 - cpu0) / time.Duration(r.Requests)
	}
	stopProfile()
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	_, r.Peak, _ = srv.Memory()
	return r, nil
}

// logResult writes one measured run as a line of the log.
func logResult(log io.Writer, when string, r result) {
	fmt.Fprintf(log, "%s %-8s %7d req %4d err %8.0f req/s  p50 %s  p90 %s  p99 %s  max %s  ×%.1f  server CPU %s/req  max RSS %s (VmHWM %s)\n",
		when, r.Name, r.Requests, r.Errors, r.RPS, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Ratio, ms(r.CPU), mb(r.RSS), mb(r.Peak))
	if r.Heap > 0 {
		fmt.Fprintf(log, "  largest Go heap sampled (objects, server and client): %s\n", mb(r.Heap))
	}
	if r.Errors > 0 {
		fmt.Fprintf(log, "  first error: %s\n", shortErr(r.FirstError))
	}
}
