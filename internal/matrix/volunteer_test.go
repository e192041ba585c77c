package matrix_test

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/volunteer"
)

// volunteerWorld adds volunteers, organisations, service records,
// activities and photos in 昌宁县 (the volunteer is the mentor user) and
// in 昆明.
func volunteerWorld(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	s := w.a.Volunteers
	in := access.Viewer{UserID: w.ids["user.officer"], Name: "矩阵儿童主任", Region: county, CanWrite: true, Roles: []string{"officer"}}
	out := access.Viewer{UserID: w.ids["userOut"], Name: "昆明儿童主任", Region: "530102000000", CanWrite: true, Roles: []string{"officer"}}
	plant := func(v access.Viewer, key, credit, region, village, child, user string) {
		code := credit + "0"
		ch, _ := volunteer.CreditCheckChar(code)
		o, err := s.CreateOrg(ctx, v, volunteer.OrgInput{Name: "矩阵组织" + key, CreditCode: code + string(ch), Region: region})
		if err != nil {
			t.Fatal(err)
		}
		vo, err := s.CreateVolunteer(ctx, v, volunteer.VolunteerInput{Name: "矩阵志愿者" + key, Region: village, UserID: user, OrgID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateActivity(ctx, v, volunteer.ActivityInput{Title: "矩阵活动" + key, Kind: volunteer.KindSafety, Region: village, HeldOn: "2026-01-10",
			ChildIDs: []string{w.ids[child]}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.RecordService(ctx, v, volunteer.ServiceInput{VolunteerID: vo.ID, ActivityID: a.ID, Hours: "2", Content: "安全教育"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.AddPhoto(ctx, v, a.ID, append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...))
		if err != nil {
			t.Fatal(err)
		}
		w.ids["org"+key], w.ids["vol"+key], w.ids["act"+key], w.ids["rec"+key], w.ids["photo"+key] = o.ID, vo.ID, a.ID, r.ID, p.ID
	}
	plant(in, "In", "52530524MJ000001", county, village, "childIn", w.ids["user.mentor"])
	plant(out, "Out", "52530102MJ000002", "530102000000", w.ids["otherVillage"], "childOut", "")
}

// volunteerTable is the volunteer part of the access table (columns as
// in table). Registries and activities are read in the region scope
// (school staff and administrators see none); the volunteer who is a user
// reads their own record and answers it, and nobody else may; officers
// keep the registries; officers and social workers record hours and
// organise activities.
func volunteerTable() []row {
	return []row{
		{"GET", "/api/v1/volunteers", nil, "200 *"},
		{"GET", "/api/v1/volunteers/{volIn}", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/api/v1/volunteers/{volOut}", nil, "404 *"},
		{"POST", "/api/v1/volunteers", fixed(map[string]any{"name": "矩阵新志愿者", "region_code": county}), "403 201 403 *"},
		{"PUT", "/api/v1/volunteers/{volOut}", fixed(map[string]any{"version": 1, "name": "越界", "region_code": county}), "403 404 403 *"},
		{"GET", "/api/v1/social-orgs", nil, "200 *"},
		{"GET", "/api/v1/social-orgs/{orgIn}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/social-orgs/{orgOut}", nil, "404 *"},
		{"PUT", "/api/v1/social-orgs/{orgOut}", fixed(map[string]any{"version": 1, "name": "越界", "credit_code": "91350100M000100Y43", "region_code": county}), "403 404 403 *"},
		{"GET", "/api/v1/service-records", nil, "200 *"},
		{"GET", "/api/v1/service-records/export?volunteer_id={volIn}", nil, "200 *"},
		{"POST", "/api/v1/service-records", func(t *testing.T, w *world) any {
			return map[string]any{"volunteer_id": w.ids["volIn"], "hours": "1", "content": "陪伴", "served_on": "2026-01-05"}
		}, "403 201 422 422 201 403 403 403 *"},
		{"POST", "/api/v1/service-records", func(t *testing.T, w *world) any {
			return map[string]any{"volunteer_id": w.ids["volOut"], "hours": "1", "content": "陪伴", "served_on": "2026-01-05"}
		}, "422 422 422 422 422 422 422 403 *"},
		{"GET", "/api/v1/service-records/{recIn}", nil, "200 200 404 404 200 200 200 404 *"},
		{"GET", "/api/v1/service-records/{recOut}", nil, "404 *"},
		{"POST", "/api/v1/service-records/{recIn}/answer", fixed(map[string]any{"version": 1, "confirm": false, "reason": ""}), "403 403 404 404 403 422 403 404 *"},
		{"POST", "/api/v1/service-records/{recOut}/answer", fixed(map[string]any{"version": 1, "confirm": true}), "404 *"},
		{"GET", "/api/v1/activities", nil, "200 *"},
		{"GET", "/api/v1/activities/{actIn}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/activities/{actOut}", nil, "404 *"},
		{"POST", "/api/v1/activities", fixed(map[string]any{"title": "矩阵新活动", "kind": "tutoring", "region_code": village, "held_on": "2026-01-12"}),
			"403 201 403 403 201 403 *"},
		{"GET", "/api/v1/activities/{actIn}/photos/{photoIn}", nil, "200 200 404 404 200 404 200 404 *"},
		{"GET", "/api/v1/activities/{actOut}/photos/{photoOut}", nil, "404 *"},
		{"DELETE", "/api/v1/activities/{actOut}/photos/{photoOut}", nil, "404 *"},
	}
}

// TestVolunteerMatrix runs the volunteer rows for every role.
func TestVolunteerMatrix(t *testing.T) {
	w := setup(t)
	volunteerWorld(t, w)
	mismatches, checked := 0, 0
	for ri, role := range roles {
		for _, r := range volunteerTable() {
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

// TestVolunteerListsNeverLeak checks the volunteer lists as every role:
// nothing planted in 昆明 is listed.
func TestVolunteerListsNeverLeak(t *testing.T) {
	w := setup(t)
	volunteerWorld(t, w)
	for _, role := range roles {
		for _, path := range []string{"/api/v1/volunteers?all=true", "/api/v1/social-orgs?all=true", "/api/v1/service-records", "/api/v1/activities"} {
			code, body := w.do(t, role, "GET", path, nil)
			if code != 200 {
				t.Fatalf("%s %s: %d", role, path, code)
			}
			for _, k := range []string{"volOut", "orgOut", "actOut", "recOut", "childOut"} {
				if strings.Contains(string(body), w.ids[k]) {
					t.Errorf("%s %s shows %s", role, path, k)
				}
			}
			if (role == "principal" || role == "teacher" || role == "sysadmin" || role == "auditor") && strings.Contains(string(body), w.ids["volIn"]) {
				t.Errorf("%s %s shows the county's volunteer", role, path)
			}
		}
	}
}
