package matrix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"guanai/internal/dashboard"
)

// TestDashboardNeverLeaks opens the dashboard as every role that has one,
// at the top of its scope and at a township, and checks that no node it
// names — the path, every row, every ranking — lies outside 昌宁县 or is
// another school, and that no figure counts the child outside it.
func TestDashboardNeverLeaks(t *testing.T) {
	w := setup(t)
	for _, role := range roles {
		for _, q := range []string{"", "?region=" + township} {
			code, body := w.do(t, role, "GET", "/api/v1/dashboard"+q, nil)
			if code != 200 {
				continue
			}
			var d struct {
				dashboard.Dashboard
				Rankings []dashboard.Ranking `json:"rankings"`
			}
			if err := json.Unmarshal(body, &d); err != nil {
				t.Fatalf("%s %s: %v", role, q, err)
			}
			check := func(where string, n dashboard.Node) {
				switch n.Kind {
				case dashboard.KindRegion:
					if !strings.HasPrefix(n.Code, "530524") && !(where == "path" && !n.Drill) {
						t.Errorf("%s %s: %s names %s (%s)", role, q, where, n.Name, n.Code)
					}
				case dashboard.KindSchool:
					if n.Code != w.ids["schoolIn"] {
						t.Errorf("%s %s: %s names school %s", role, q, where, n.Name)
					}
				}
			}
			check("node", d.Node)
			for _, n := range d.Path {
				check("path", n)
			}
			for _, s := range d.Sections {
				check("total", s.Total.Node)
				for _, r := range s.Rows {
					check("row", r.Node)
				}
				if s.ID == "overview" {
					if n := s.Total.Values["active"]; n > 1 {
						t.Errorf("%s %s: %v children, want the one in scope", role, q, n)
					}
				}
			}
			for _, r := range d.Rankings {
				for _, it := range r.Items {
					check("ranking", it.Node)
				}
			}
		}
	}
}
