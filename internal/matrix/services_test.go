package matrix_test

import (
	"context"
	"strings"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/care"
	"guanai/internal/menu"
	"guanai/internal/needs"
)

// servicesWorld adds care services in 昌宁县 and in 昆明: a menu service,
// a need of the child, and a one-to-one match on a volunteer pairing (in
// 昌宁县 the mentor user's own).
func servicesWorld(t *testing.T, w *world) {
	t.Helper()
	ctx := context.Background()
	sys := access.System()
	km, err := w.a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "u.svc.km", Name: "昆明志愿者", RegionCode: "530102000000",
		Roles: []string{"mentor"}, Active: true, Password: "Matrix#Pass9"}, false)
	if err != nil {
		t.Fatal(err)
	}
	plant := func(key, region, child, mentor string) {
		s, err := w.a.Menu.Create(ctx, sys, menu.Input{Name: "矩阵服务" + key, Kind: menu.KindTutoring, ProviderKind: menu.ProviderOrg,
			ProviderName: "矩阵社工" + key, Regions: []string{region}, Capacity: 5})
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.a.Needs.Create(ctx, sys, needs.Input{ChildID: w.ids[child], Kind: menu.KindTutoring})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.a.Care.Pair(ctx, sys, care.PairingInput{ChildID: w.ids[child], MentorID: mentor, Kind: care.KindVolunteer})
		if err != nil {
			t.Fatal(err)
		}
		m, err := w.a.Needs.StartOneToOne(ctx, sys, needs.OneToOneInput{PairingID: p.Pairing.ID})
		if err != nil {
			t.Fatal(err)
		}
		w.ids["svc"+key], w.ids["need"+key], w.ids["pairing"+key], w.ids["o2o"+key] = s.ID, n.ID, p.Pairing.ID, m.ID
	}
	plant("In", county, "childIn", w.ids["user.mentor"])
	plant("Out", "530102000000", "childOut", km.ID)
}

// servicesTable is the care services' part of the access table (columns
// as in table). Needs are read by whoever reads the child (a mentor: their
// paired children) and raised by them; census writers and social workers
// move them through their lifecycle; officers keep the menu and start
// one-to-one matches; the match's volunteer and officers log its services.
func servicesTable() []row {
	return []row{
		{"GET", "/api/v1/needs", nil, "200 *"},
		{"GET", "/api/v1/needs/{needIn}", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/needs/{needOut}", nil, "404 *"},
		{"POST", "/api/v1/needs", func(t *testing.T, w *world) any {
			return map[string]any{"child_id": w.ids["childIn"], "kind": "companionship"}
		}, "201 201 201 201 201 201 201 404 *"},
		{"POST", "/api/v1/needs", func(t *testing.T, w *world) any {
			return map[string]any{"child_id": w.ids["childOut"], "kind": "companionship"}
		}, "404 *"},
		{"POST", "/api/v1/needs/{needIn}/actions", fixed(map[string]any{"action": "cancel", "version": 1}), "403 422 422 422 422 403 403 403 *"},
		{"POST", "/api/v1/needs/{needOut}/actions", fixed(map[string]any{"action": "cancel", "note": "越界", "version": 1}), "403 404 404 404 404 403 403 403 *"},
		{"GET", "/api/v1/needs/summary", nil, "200 200 200 200 200 404 200 404 *"},
		{"GET", "/api/v1/needs/summary?region=530102", nil, "404 *"},
		{"GET", "/api/v1/services", nil, "200 *"},
		{"GET", "/api/v1/services/{svcIn}", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/services/{svcOut}", nil, "404 *"},
		{"POST", "/api/v1/services", fixed(map[string]any{"name": "矩阵新服务", "kind": "counselling", "provider_kind": "org", "provider_name": "矩阵社工",
			"regions": []string{village}, "capacity": 3}), "403 201 403 *"},
		{"PUT", "/api/v1/services/{svcOut}", fixed(map[string]any{"version": 1, "name": "越界", "kind": "tutoring", "provider_kind": "org",
			"provider_name": "越界", "regions": []string{county}, "capacity": 3}), "403 404 403 *"},
		{"GET", "/api/v1/one-to-one", nil, "200 *"},
		{"GET", "/api/v1/one-to-one/{o2oIn}", nil, "200 200 200 200 200 200 200 404 *"},
		{"GET", "/api/v1/one-to-one/{o2oOut}", nil, "404 *"},
		{"POST", "/api/v1/one-to-one", func(t *testing.T, w *world) any {
			return map[string]any{"pairing_id": w.ids["pairingOut"]}
		}, "403 404 403 *"},
		{"POST", "/api/v1/one-to-one/{o2oIn}/log", fixed(map[string]any{"what": "陪伴", "hours": 0}), "403 422 403 403 403 422 403 404 *"},
		{"POST", "/api/v1/one-to-one/{o2oOut}/log", fixed(map[string]any{"what": "陪伴", "hours": 1}), "404 *"},
		{"POST", "/api/v1/one-to-one/{o2oOut}/end", fixed(map[string]any{"version": 1, "reason": "越界"}), "403 404 403 *"},
	}
}

// TestServicesMatrix runs the care services' rows for every role.
func TestServicesMatrix(t *testing.T) {
	w := setup(t)
	servicesWorld(t, w)
	mismatches, checked := 0, 0
	for ri, role := range roles {
		for _, r := range servicesTable() {
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

// TestServicesListsNeverLeak checks the services lists and the needs
// export as every role: nothing planted in 昆明 is listed.
func TestServicesListsNeverLeak(t *testing.T) {
	w := setup(t)
	servicesWorld(t, w)
	for _, role := range roles {
		for _, path := range []string{"/api/v1/needs?limit=500", "/api/v1/services?archived=true", "/api/v1/one-to-one?all=true"} {
			code, body := w.do(t, role, "GET", path, nil)
			if code != 200 {
				t.Fatalf("%s %s: %d", role, path, code)
			}
			for _, k := range []string{"needOut", "svcOut", "o2oOut", "childOut"} {
				if strings.Contains(string(body), w.ids[k]) {
					t.Errorf("%s %s shows %s", role, path, k)
				}
			}
		}
	}
}
