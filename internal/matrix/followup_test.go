package matrix_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/followup"
)

// followupWorld adds follow-ups to the care fixture: one of the child in
// scope by the mentor paired with it, one of the child out of scope by the
// Kunming officer (urgent: it notifies nobody in 昌宁县).
func followupWorld(t *testing.T, w *world) {
	t.Helper()
	careWorld(t, w)
	ctx := context.Background()
	mentor := access.Viewer{UserID: w.ids["user.mentor"], Username: "u.mentor", PairedWith: w.ids["user.mentor"], Roles: []string{"mentor"}}
	fu, err := w.a.Followups.Record(ctx, mentor, followup.Input{ChildID: w.ids["childIn"], Notes: map[string]string{"psych": "矩阵心理记录"}})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["fuIn"] = fu.ID
	km := access.Viewer{UserID: w.ids["userOut"], Username: "u.kunming", Region: "530102000000", Roles: []string{"officer"}, CanWrite: true}
	fu, err = w.a.Followups.Record(ctx, km, followup.Input{ChildID: w.ids["childOut"], Ratings: map[string]string{"health": "urgent"}})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["fuOut"] = fu.ID
	rules, err := w.a.Followups.Rules(ctx, access.System())
	if err != nil || len(rules) == 0 {
		t.Fatalf("rules: %v", err)
	}
	w.ids["rule"] = rules[0].ID
}

// followupTable is the follow-ups' part of the access table (columns as
// in table). Reads follow the census scope (a mentor: the paired child);
// recording needs the child's care network (the mentor) or a role that
// may record in scope (officer, social worker, counsellor); the schedule
// rules are kept by officers and system administrators; tasks and
// notifications are everyone's own.
func followupTable() []row {
	visit := func(child string) func(*testing.T, *world) any {
		return func(t *testing.T, w *world) any { return map[string]any{"child_id": w.ids[child]} }
	}
	rule := fixed(map[string]any{"care_role": "teacher", "category": "difficulty", "every": 1, "unit": "month", "township_days": 7, "county_days": 30})
	return []row{
		{"GET", "/api/v1/followups", nil, "200 *"},
		{"GET", "/api/v1/followups/export", nil, "200 *"},
		{"GET", "/api/v1/followups/{fuIn}", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/followups/{fuOut}", nil, "404 *"},
		{"POST", "/api/v1/followups", visit("childIn"), "403 201 403 403 201 201 201 404 *"},
		{"POST", "/api/v1/followups", visit("childOut"), "404 *"},
		{"GET", "/api/v1/children/{childIn}/followups", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/children/{childOut}/followups", nil, "404 *"},
		{"GET", "/api/v1/tasks", nil, "200 *"},
		{"GET", "/api/v1/followup-rules", nil, "200 *"},
		{"PUT", "/api/v1/followup-rules", rule, "403 200 403 403 403 403 403 200 403 403"},
		{"GET", "/api/v1/notifications", nil, "200 *"},
		{"POST", "/api/v1/notifications/read", fixed(map[string]any{}), "204 *"},
	}
}

// TestFollowupMatrix runs the follow-up rows for every role, then the
// rule deletion last (it changes what the rows above read).
func TestFollowupMatrix(t *testing.T) {
	w := setup(t)
	followupWorld(t, w)
	rows := append(followupTable(), row{"DELETE", "/api/v1/followup-rules/{rule}", nil, "403 204 403 403 403 403 403 404 403 403"})
	mismatches, checked := 0, 0
	for ri, role := range roles {
		for _, r := range rows {
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

// TestFollowupListsNeverLeak reads the follow-up lists as every role:
// nothing of the child out of scope, the psychology note only for the
// roles with mental-health detail (and the mentor who wrote it), and no
// one in 昌宁县 told of the Kunming child's urgent rating.
func TestFollowupListsNeverLeak(t *testing.T) {
	w := setup(t)
	followupWorld(t, w)
	mayPsych := map[string]bool{"officer": true, "social_worker": true, "counsellor": true, "mentor": true}
	for _, role := range roles {
		for _, path := range []string{"/api/v1/followups", "/api/v1/followups?urgent=true", "/api/v1/tasks", "/api/v1/notifications",
			"/api/v1/children/" + w.ids["childIn"] + "/followups"} {
			code, body := w.do(t, role, "GET", path, nil)
			if code == 404 && strings.Contains(path, "/children/") {
				continue
			}
			if code != 200 {
				t.Fatalf("%s %s: %d", role, path, code)
			}
			for _, k := range []string{"childOut", "fuOut", "otherVillage"} {
				if strings.Contains(string(body), w.ids[k]) {
					t.Errorf("%s %s shows %s", role, path, k)
				}
			}
			if strings.Contains(string(body), "矩阵心理记录") != (mayPsych[role] && strings.Contains(path, "followups") && !strings.Contains(path, "urgent")) {
				t.Errorf("%s %s: psychology note shown = %v", role, path, !mayPsych[role])
			}
			var list struct {
				Unread *int `json:"unread"`
			}
			if json.Unmarshal(body, &list); list.Unread != nil && *list.Unread != 0 {
				t.Errorf("%s has %d unread notifications", role, *list.Unread)
			}
		}
	}
}
