package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// user is one virtual user: a client with its own cookie jar (its own
// session) over the shared transport. Redirects are not followed, so that
// a lost session shows as an error rather than as the login page.
type user struct {
	name   string
	client *http.Client
}

// newTransport returns the transport all users share: keep-alive
// connections enough for every user, loopback only.
func newTransport(users int) *http.Transport {
	return &http.Transport{MaxIdleConns: 2 * users, MaxIdleConnsPerHost: 2 * users, IdleConnTimeout: 2 * time.Minute,
		ResponseHeaderTimeout: requestTimeout}
}

// login logs n users in as username through POST /api/v1/session.
func login(ctx context.Context, base string, tr *http.Transport, username string, n int) ([]*user, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": loadPassword})
	us := make([]*user, 0, n)
	for i := range n {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Transport: tr, Jar: jar, Timeout: requestTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/session", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return nil, fmt.Errorf("login %s #%d: %w", username, i, err)
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("login %s #%d: %s %s", username, i, resp.Status, msg)
		}
		u, _ := url.Parse(base)
		if !slices.ContainsFunc(jar.Cookies(u), func(c *http.Cookie) bool { return c.Name == "guanai_session" }) {
			return nil, fmt.Errorf("login %s #%d: no session cookie", username, i)
		}
		us = append(us, &user{name: username, client: c})
	}
	return us, nil
}

// get fetches path as u and returns the status and the body (read whole).
func (u *user) get(ctx context.Context, base, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := u.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// scenario is one kind of request, made by a set of users.
type scenario struct {
	name  string
	label string
	users []*user
	// path returns the next request's path and query.
	path func(rng *rand.Rand) string
	// check looks at one response before the run.
	check func(body []byte) error
}

// expectDashboard checks a dashboard page shows its figures.
func expectDashboard(b []byte) error {
	if !bytes.Contains(b, []byte("留守儿童")) || !bytes.Contains(b, []byte("<table")) {
		return fmt.Errorf("not a dashboard page: %.300s", b)
	}
	return nil
}

// childCards counts the children on a list page.
func childCards(body []byte) int { return bytes.Count(body, []byte(`id="child-`)) }

// expectCards returns a check that the list page shows at least n children.
func expectCards(n int) func([]byte) error {
	return func(b []byte) error {
		if !bytes.Contains(b, []byte(`id="children-view"`)) {
			return errors.New("not the children list page")
		}
		if k := childCards(b); k < n {
			return fmt.Errorf("%d children on the page, want at least %d", k, n)
		}
		return nil
	}
}

// countyFacts are what the scenarios need to know about the county: how
// many children it has and pieces of their names to search for.
type countyFacts struct {
	Total   int
	Queries []string
	// Nodes are the region nodes the dashboard scenario opens (see
	// dataset.Nodes).
	Nodes []string
}

// learnCounty asks the API, as the county officer, for the county's total
// and up to 500 names, and takes every two-character piece of them as
// search queries.
func learnCounty(ctx context.Context, base string, u *user) (countyFacts, error) {
	st, b, err := u.get(ctx, base, "/api/v1/children?limit=500")
	if err != nil || st != http.StatusOK {
		return countyFacts{}, fmt.Errorf("GET /api/v1/children: %d %v %.200s", st, err, b)
	}
	var page struct {
		Total int `json:"total"`
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := json.Unmarshal(b, &page); err != nil {
		return countyFacts{}, err
	}
	seen := map[string]bool{}
	f := countyFacts{Total: page.Total}
	for _, it := range page.Items {
		r := []rune(it.Name)
		for i := 0; i+2 <= len(r); i++ {
			if q := string(r[i : i+2]); !seen[q] {
				seen[q] = true
				f.Queries = append(f.Queries, q)
			}
		}
	}
	slices.Sort(f.Queries)
	if f.Total == 0 || len(f.Queries) == 0 {
		return f, errors.New("the county has no children: was the database seeded?")
	}
	return f, nil
}

// scenarios builds the scenarios c names for the logged-in users.
func scenarios(c config, officers, leaders []*user, county countyFacts) []scenario {
	pages := max(1, (county.Total+19)/20) // the list shows 20 a page
	all := map[string]scenario{
		"healthz": {label: "GET /healthz (baseline)", users: officers,
			path: func(*rand.Rand) string { return "/healthz" },
			check: func(b []byte) error {
				if string(b) != "ok\n" {
					return fmt.Errorf("healthz said %q", b)
				}
				return nil
			}},
		"first": {label: "GET /children, county officer, page 1", users: officers,
			path: func(*rand.Rand) string { return "/children" }, check: expectCards(min(20, county.Total))},
		"pages": {label: fmt.Sprintf("GET /children?page=N, N random in 2–%d", pages), users: officers,
			path: func(r *rand.Rand) string {
				return "/children?page=" + strconv.Itoa(2+r.IntN(max(1, pages-1)))
			}, check: expectCards(1)},
		"search": {label: fmt.Sprintf("GET /children?q=XY, %d two-character name pieces", len(county.Queries)), users: officers,
			path: func(r *rand.Rand) string {
				return "/children?q=" + url.QueryEscape(county.Queries[r.IntN(len(county.Queries))])
			}, check: expectCards(0)},
		"api": {label: "GET /api/v1/children?limit=50, county officer", users: officers,
			path: func(*rand.Rand) string { return "/api/v1/children?limit=50" },
			check: func(b []byte) error {
				var p struct{ Items []json.RawMessage }
				if err := json.Unmarshal(b, &p); err != nil {
					return err
				}
				if len(p.Items) != min(50, county.Total) {
					return fmt.Errorf("%d items, want %d", len(p.Items), min(50, county.Total))
				}
				return nil
			}},
		"byname": {label: "GET /children?sort=name, county officer, page 1", users: officers,
			path: func(*rand.Rand) string { return "/children?sort=name" }, check: expectCards(min(20, county.Total))},
		"dashprov": {label: "GET /dashboard, provincial leader, the province", users: leaders,
			path: func(*rand.Rand) string { return "/dashboard" }, check: expectDashboard},
		"dashboard": {label: fmt.Sprintf("GET /dashboard?region=X, provincial leader, X random of %d nodes province to village", len(county.Nodes)), users: leaders,
			path: func(r *rand.Rand) string {
				if len(county.Nodes) == 0 {
					return "/dashboard"
				}
				return "/dashboard?region=" + county.Nodes[r.IntN(len(county.Nodes))]
			}, check: expectDashboard},
		"province": {label: "GET /children, provincial leader, page 1", users: leaders,
			path: func(*rand.Rand) string { return "/children" }, check: expectCards(20)},
	}
	var out []scenario
	for _, name := range c.Scenarios {
		s := all[name]
		s.name = name
		out = append(out, s)
	}
	return out
}

// result is one measured run of a scenario.
type result struct {
	Name, Label   string
	Requests      int
	Errors        int
	FirstError    string
	Elapsed       time.Duration
	RPS           float64
	P50, P90, P99 time.Duration
	Max           time.Duration
	Ratio         float64       // P50 ÷ the baseline's P50 in the same round
	RSS           int64         // the server's largest resident memory sampled during the scenario
	Peak          int64         // the server's VmHWM after the scenario
	Heap          int64         // in process: the largest Go heap sampled during the scenario
	CPU           time.Duration // the server process's processor time per request
}

// check makes one request of s and checks the response.
func check(ctx context.Context, base string, s scenario) error {
	rng := rand.New(rand.NewPCG(1, 1))
	path := s.path(rng)
	st, b, err := s.users[0].get(ctx, base, path)
	if err != nil {
		return fmt.Errorf("%s: GET %s: %w", s.name, path, err)
	}
	if st != http.StatusOK {
		return fmt.Errorf("%s: GET %s: status %d: %.300s", s.name, path, st, b)
	}
	if err := s.check(b); err != nil {
		return fmt.Errorf("%s: GET %s: %w", s.name, path, err)
	}
	return nil
}

// drive runs s with every one of its users in a closed loop (each sends
// its next request when the previous one is answered) for d or until
// limit requests have been started, whichever comes first, and measures
// each request until its body has been read.
func drive(ctx context.Context, base string, s scenario, d time.Duration, limit int, seed uint64) result {
	var started atomic.Int64
	var wg sync.WaitGroup
	type tally struct {
		lat      []uint32 // microseconds
		errors   int
		firstErr string
	}
	tallies := make([]tally, len(s.users))
	start := time.Now()
	deadline := start.Add(d)
	ctx, cancel := context.WithDeadline(ctx, deadline.Add(requestTimeout))
	defer cancel()
	for i, u := range s.users {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]uint32, 0, 1024)
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for time.Now().Before(deadline) && started.Add(1) <= int64(limit) && ctx.Err() == nil {
				path := s.path(rng)
				t0 := time.Now()
				st, b, err := u.get(ctx, base, path)
				t.lat = append(t.lat, uint32(min(time.Since(t0).Microseconds(), 1<<32-1)))
				if err != nil || st != http.StatusOK {
					t.errors++
					if t.firstErr == "" {
						t.firstErr = fmt.Sprintf("GET %s: %d %v %.120s", path, st, err, b)
					}
				}
			}
		})
	}
	wg.Wait()
	r := result{Name: s.name, Label: s.label, Elapsed: time.Since(start)}
	var lat []uint32
	for _, t := range tallies {
		lat = append(lat, t.lat...)
		r.Errors += t.errors
		if r.FirstError == "" {
			r.FirstError = t.firstErr
		}
	}
	r.Requests = len(lat)
	r.RPS = float64(r.Requests) / r.Elapsed.Seconds()
	slices.Sort(lat)
	r.P50, r.P90, r.P99 = quantile(lat, 0.50), quantile(lat, 0.90), quantile(lat, 0.99)
	if len(lat) > 0 {
		r.Max = time.Duration(lat[len(lat)-1]) * time.Microsecond
	}
	return r
}

// quantile returns the q-quantile of sorted latencies in microseconds, by
// the nearest-rank method.
func quantile(sorted []uint32, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	i = min(max(i, 0), len(sorted)-1)
	return time.Duration(sorted[i]) * time.Microsecond
}

// shortErr trims an error for a log line.
func shortErr(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
