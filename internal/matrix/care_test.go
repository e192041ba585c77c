package matrix_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/care"
)

// careWorld adds the care network to the fixture: the mentor user paired
// with the child in scope, a team member, a pairing and a position in and
// out of scope to end, and two more mentors to pair.
func careWorld(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	sys := access.System()
	s := w.a.Care
	mentor := func(name, region string) string {
		u, err := w.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: name, Name: "结对人" + name, RegionCode: region,
			Roles: []string{"mentor"}, Active: true, Password: "Matrix#Pass9"}, false)
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	w.ids["mentor2"], w.ids["mentor3"] = mentor("u.mentor2", county), mentor("u.mentor3", county)
	kunmingMentor := mentor("u.mentor.km", "530102000000")
	pair := func(child, m string) string {
		r, err := s.Pair(ctx, sys, care.PairingInput{ChildID: w.ids[child], MentorID: m, Kind: care.KindVolunteer})
		if err != nil {
			t.Fatalf("pair: %v", err)
		}
		return r.Pairing.ID
	}
	pair("childIn", w.ids["user.mentor"]) // the mentor's own child
	w.ids["pairingIn"] = pair("childIn", w.ids["mentor3"])
	w.ids["pairingOut"] = pair("childOut", kunmingMentor)
	member := func(child string) string {
		m, err := s.Assign(ctx, sys, w.ids[child], care.AssignInput{Role: care.RoleGuardian, Name: "李桂英", Relation: "祖母"})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	w.ids["memberIn"], w.ids["memberOut"] = member("childIn"), member("childOut")
	position := func(village string) string {
		p, err := s.SetPosition(ctx, sys, care.PositionInput{Kind: care.PositionVillageProxy, Subject: village, Name: "杨红梅"})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	w.ids["positionIn"], w.ids["positionOut"] = position(village), position(w.ids["otherVillage"])
}

// careTable is the care network's part of the access table (columns as
// in table). Reads follow the census scope; a mentor reads the team and
// the chain of the child paired with them and nothing else; only officers
// (region writers) keep teams, pairings and village positions, principals
// also their school's homeroom teachers; administrators see nothing.
func careTable() []row {
	fresh := func(body func(n int, w *world) any) func(*testing.T, *world) any {
		return func(t *testing.T, w *world) any { w.seq++; return body(w.seq, w) }
	}
	neighbour := fresh(func(n int, w *world) any {
		return map[string]any{"role": "neighbour", "name": fmt.Sprintf("邻居%d", n), "relation": "邻居", "replace": true}
	})
	return []row{
		{"GET", "/api/v1/children/{childIn}/team", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/children/{childOut}/team", nil, "404 *"},
		{"POST", "/api/v1/children/{childIn}/team", neighbour, "403 201 403 *"},
		{"POST", "/api/v1/children/{childOut}/team", neighbour, "403 404 403 *"},
		{"GET", "/api/v1/children/{childIn}/chain", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/children/{childOut}/chain", nil, "404 *"},
		{"POST", "/api/v1/care-members/{memberIn}/end", fixed(map[string]any{"reason": "矩阵"}), "403 200 403 *"},
		{"POST", "/api/v1/care-members/{memberOut}/end", fixed(map[string]any{"reason": "矩阵"}), "403 404 403 *"},
		{"POST", "/api/v1/care-teams/bulk", fresh(func(n int, w *world) any {
			return map[string]any{"role": "neighbour", "name": fmt.Sprintf("邻居%d", n), "replace": true, "region": w.ids["village"]}
		}), "403 200 403 *"},
		{"POST", "/api/v1/care-teams/bulk", fresh(func(n int, w *world) any {
			return map[string]any{"role": "neighbour", "name": "邻居", "region": w.ids["otherVillage"]}
		}), "403 422 403 *"},

		{"GET", "/api/v1/pairings", nil, "200 *"},
		{"GET", "/api/v1/me/children", nil, "200 *"},
		{"POST", "/api/v1/pairings", func(t *testing.T, w *world) any {
			return map[string]any{"child_id": w.ids["childIn"], "mentor_id": w.ids["mentor2"], "kind": "volunteer"}
		}, "403 201 403 *"},
		{"POST", "/api/v1/pairings", func(t *testing.T, w *world) any {
			return map[string]any{"child_id": w.ids["childOut"], "mentor_id": w.ids["mentor2"], "kind": "volunteer"}
		}, "403 404 403 *"},
		{"POST", "/api/v1/pairings/{pairingIn}/end", fixed(map[string]any{}), "403 200 403 *"},
		{"POST", "/api/v1/pairings/{pairingOut}/end", fixed(map[string]any{}), "403 404 403 *"},

		{"GET", "/api/v1/positions", nil, "200 *"},
		{"POST", "/api/v1/positions/{positionIn}/end", fixed(map[string]any{}), "403 200 403 *"},
		{"POST", "/api/v1/positions/{positionOut}/end", fixed(map[string]any{}), "403 404 403 *"},
		{"POST", "/api/v1/positions", fresh(func(n int, w *world) any {
			return map[string]any{"kind": "village_proxy", "subject": w.ids["village"], "name": fmt.Sprintf("代理家长%d", n)}
		}), "403 201 403 *"},
		{"POST", "/api/v1/positions", fresh(func(n int, w *world) any {
			return map[string]any{"kind": "village_proxy", "subject": w.ids["otherVillage"], "name": fmt.Sprintf("代理家长%d", n)}
		}), "403 404 403 *"},
		{"POST", "/api/v1/positions", fresh(func(n int, w *world) any {
			return map[string]any{"kind": "homeroom", "subject": w.ids["classIn"], "name": fmt.Sprintf("班主任%d", n)}
		}), "403 201 201 403 *"},
		{"POST", "/api/v1/positions", fresh(func(n int, w *world) any {
			return map[string]any{"kind": "homeroom", "subject": w.ids["classOut"], "name": fmt.Sprintf("班主任%d", n)}
		}), "403 404 404 403 *"},

		{"GET", "/api/v1/gaps/" + county, nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/gaps/530102000000", nil, "404 *"},
		{"GET", "/api/v1/gaps/" + county + "/children", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/gaps/530102000000/children", nil, "404 *"},
		{"GET", "/api/v1/gaps/" + county + "/export", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/gaps/530102000000/export", nil, "404 *"},
	}
}

// TestCareMatrix runs the care rows for every role.
func TestCareMatrix(t *testing.T) {
	w := setup(t)
	careWorld(t, w)
	mismatches, checked := 0, 0
	for ri, role := range roles {
		for _, r := range careTable() {
			path := r.path
			for k, v := range w.ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
			}
			var body any
			if r.body != nil {
				body = r.body(t, w)
			}
			want := expect(r.want)[ri]
			got, out := w.do(t, role, r.method, path, body)
			checked++
			if got != want {
				mismatches++
				t.Errorf("%-13s %-6s %-45s got %d, want %d: %.200s", role, r.method, r.path, got, want, out)
			}
		}
	}
	t.Logf("%d role × route × record checks, %d mismatches", checked, mismatches)
}

// TestCareListsNeverLeak checks the care lists and counts as every role:
// nothing of the child out of scope, and the mentor's only their own.
func TestCareListsNeverLeak(t *testing.T) {
	w := setup(t)
	careWorld(t, w)
	for _, role := range roles {
		for _, path := range []string{"/api/v1/pairings?all=true", "/api/v1/me/children", "/api/v1/positions?all=true"} {
			code, body := w.do(t, role, "GET", path, nil)
			if code != 200 {
				t.Fatalf("%s %s: %d", role, path, code)
			}
			for _, k := range []string{"childOut", "pairingOut", "positionOut", "otherVillage"} {
				if strings.Contains(string(body), w.ids[k]) {
					t.Errorf("%s %s shows %s", role, path, k)
				}
			}
			var list struct {
				Items []map[string]any `json:"items"`
			}
			json.Unmarshal(body, &list)
			switch {
			case path == "/api/v1/me/children" && role == "mentor":
				if len(list.Items) != 1 || list.Items[0]["child_id"] != w.ids["childIn"] {
					t.Errorf("mentor's children: %s", body)
				}
			case path == "/api/v1/pairings?all=true" && role == "mentor":
				if len(list.Items) != 1 || list.Items[0]["mentor_id"] != w.ids["user.mentor"] {
					t.Errorf("mentor's pairings: %s", body)
				}
			case role == "sysadmin" || role == "secadmin" || role == "auditor" || (role == "mentor" && strings.Contains(path, "positions")):
				if len(list.Items) != 0 {
					t.Errorf("%s %s lists %d", role, path, len(list.Items))
				}
			}
		}
		// Gap counts count only what the role may see.
		code, body := w.do(t, role, "GET", "/api/v1/gaps/"+county, nil)
		if code == 200 {
			var g struct {
				Region struct{ Children int } `json:"region"`
			}
			json.Unmarshal(body, &g)
			if g.Region.Children != 1 {
				t.Errorf("%s gaps of the county count %d children, want 1", role, g.Region.Children)
			}
		}
	}
}
