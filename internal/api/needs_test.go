package api_test

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/accounts"
)

// driveServiceRoutes is the part of TestResponsesMatchSchema for care
// services: the menu, the needs list and its lifecycle, the summary and
// the export, one-to-one matches and their log.
func driveServiceRoutes(t *testing.T, e *env) {
	const S, SC, RO = asSystem, asScoped, asReadOnly
	kid := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(wencang, 93, "周服务")))
	far := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(otherCountyVillage(t, e.app), 94, "吴远方")))

	// The menu.
	svcIn := map[string]any{"name": "周末课业辅导", "kind": "tutoring", "provider_kind": "org", "provider_name": "昌宁县阳光社工", "regions": []string{datianba},
		"capacity": 1, "schedule": "每周六上午", "start": "2026-01-01"}
	r := e.expect(201, SC, "POST", "/api/v1/services", svcIn)
	svc := id(t, r)
	e.expect(422, SC, "POST", "/api/v1/services", with(svcIn, "kind", "shopping", "capacity", 0))
	e.expect(400, SC, "POST", "/api/v1/services", raw(`{"capacity": "many"}`))
	e.expect(403, RO, "POST", "/api/v1/services", svcIn)
	r = e.expect(200, SC, "GET", "/api/v1/services?region="+wencang+"&kind=tutoring", nil)
	if !bytes.Contains(r.Body, []byte("周末课业辅导")) {
		t.Errorf("menu: %s", r.Body)
	}
	e.expect(200, RO, "GET", "/api/v1/services?archived=true", nil)
	e.expect(422, SC, "GET", "/api/v1/services?archived=maybe", nil)
	e.expect(200, SC, "GET", "/api/v1/services/"+svc, nil)
	e.expect(404, SC, "GET", "/api/v1/services/"+unknownID, nil)
	e.expect(200, SC, "PUT", "/api/v1/services/"+svc, with(svcIn, "version", 1, "capacity", 1, "schedule", "每周六下午"))
	e.expect(409, SC, "PUT", "/api/v1/services/"+svc, with(svcIn, "version", 1))
	e.expect(422, SC, "PUT", "/api/v1/services/"+svc, svcIn)
	e.expect(404, SC, "PUT", "/api/v1/services/"+unknownID, with(svcIn, "version", 1))
	e.expect(400, SC, "PUT", "/api/v1/services/"+svc, raw(`{"version": "2"}`))
	other := id(t, e.expect(201, SC, "POST", "/api/v1/services", with(svcIn, "name", "安全教育", "kind", "safety_education")))
	e.expect(200, SC, "POST", "/api/v1/services/"+other+"/archive", map[string]any{"version": 1, "archived": true})
	e.expect(409, SC, "POST", "/api/v1/services/"+other+"/archive", map[string]any{"version": 1, "archived": false})
	e.expect(404, SC, "POST", "/api/v1/services/"+unknownID+"/archive", map[string]any{"version": 1, "archived": false})
	e.expect(400, SC, "POST", "/api/v1/services/"+other+"/archive", raw(`{"archived": "yes"}`))
	e.expect(422, SC, "POST", "/api/v1/services/"+other+"/archive", map[string]any{"archived": false})

	// Needs: raised, matched, over capacity, delivered, closed.
	r = e.expect(201, SC, "POST", "/api/v1/needs", map[string]any{"child_id": kid, "kind": "tutoring", "description": "数学跟不上"})
	need := id(t, r)
	need2 := id(t, e.expect(201, SC, "POST", "/api/v1/needs", map[string]any{"child_id": kid, "kind": "counselling"}))
	e.expect(422, SC, "POST", "/api/v1/needs", map[string]any{"child_id": kid, "kind": "shopping"})
	e.expect(404, SC, "POST", "/api/v1/needs", map[string]any{"child_id": far, "kind": "tutoring"})
	e.expect(400, SC, "POST", "/api/v1/needs", raw(`{"child_id": 1}`))
	acts := "/api/v1/needs/" + need + "/actions"
	e.expect(200, SC, "POST", acts, map[string]any{"action": "match", "service_id": svc, "version": 1})
	e.expect(409, SC, "POST", "/api/v1/needs/"+need2+"/actions", map[string]any{"action": "match", "service_id": svc, "version": 1})
	e.expect(409, SC, "POST", acts, map[string]any{"action": "close", "note": "好", "version": 2})
	e.expect(422, SC, "POST", acts, map[string]any{"action": "deliver", "version": 0})
	e.expect(403, RO, "POST", acts, map[string]any{"action": "deliver", "version": 2})
	e.expect(400, SC, "POST", acts, raw(`{"action": 1}`))
	e.expect(404, SC, "POST", "/api/v1/needs/"+unknownID+"/actions", map[string]any{"action": "deliver", "version": 2})
	e.expect(200, SC, "POST", acts, map[string]any{"action": "deliver", "version": 2})
	e.expect(422, SC, "POST", acts, map[string]any{"action": "close", "version": 3})
	r = e.expect(200, SC, "POST", acts, map[string]any{"action": "close", "note": "成绩提高", "version": 3})
	var n struct {
		Status string
		Events []map[string]any
	}
	r.Decode(t, &n)
	if n.Status != "closed" || len(n.Events) != 4 {
		t.Errorf("closed need: %s", r.Body)
	}
	e.expect(200, RO, "GET", "/api/v1/needs/"+need, nil)
	e.expect(404, SC, "GET", "/api/v1/needs/"+unknownID, nil)
	r = e.expect(200, SC, "GET", "/api/v1/needs?open=true&region="+datianba+"&age_band=6-11&kind=counselling&limit=10", nil)
	if total(t, r) != 1 {
		t.Errorf("open counselling needs: %s", r.Body)
	}
	e.expect(200, SC, "GET", "/api/v1/needs?status=closed&child_id="+kid, nil)
	e.expect(422, SC, "GET", "/api/v1/needs?status=lost", nil)
	r = e.expect(200, SC, "GET", "/api/v1/needs/summary", nil)
	var sum struct{ Total struct{ Open int } }
	r.Decode(t, &sum)
	if sum.Total.Open != 1 {
		t.Errorf("summary: %s", r.Body)
	}
	e.expect(200, SC, "GET", "/api/v1/needs/summary?region="+datianba, nil)
	e.expect(404, SC, "GET", "/api/v1/needs/summary?region=530102", nil)
	e.expect(422, SC, "GET", "/api/v1/needs/summary?region=12x", nil)
	r = e.expect(200, SC, "GET", "/api/v1/needs/export?open=true", nil)
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows("需求清单")
	if len(rows) != 2 || rows[1][1] != "周服务" {
		t.Errorf("export rows %v", rows)
	}
	e.expect(422, SC, "GET", "/api/v1/needs/export?kind=x", nil)

	// One-to-one on a volunteer pairing.
	vol := careUser(t, e, "svc.volunteer", changning, "", "mentor")
	viewers["svc.volunteer"] = accounts.ViewerFor(vol, "127.0.0.1")
	pair := e.expect(201, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": kid, "mentor_id": vol.ID, "kind": "volunteer"})
	var pr struct{ Pairing struct{ ID string } }
	pair.Decode(t, &pr)
	r = e.expect(201, SC, "POST", "/api/v1/one-to-one", map[string]any{"pairing_id": pr.Pairing.ID, "goal": "每周陪伴阅读"})
	m := id(t, r)
	e.expect(409, SC, "POST", "/api/v1/one-to-one", map[string]any{"pairing_id": pr.Pairing.ID})
	e.expect(404, SC, "POST", "/api/v1/one-to-one", map[string]any{"pairing_id": unknownID})
	e.expect(422, SC, "POST", "/api/v1/one-to-one", map[string]any{"pairing_id": pr.Pairing.ID, "from": "2099-01-01"})
	e.expect(403, RO, "POST", "/api/v1/one-to-one", map[string]any{"pairing_id": pr.Pairing.ID})
	e.expect(400, SC, "POST", "/api/v1/one-to-one", raw(`{"pairing_id": 1}`))
	e.expect(422, SC, "GET", "/api/v1/one-to-one?all=maybe", nil)
	log := "/api/v1/one-to-one/" + m + "/log"
	e.expect(201, "svc.volunteer", "POST", log, map[string]any{"what": "陪伴阅读", "hours": 1.5})
	e.expect(422, "svc.volunteer", "POST", log, map[string]any{"what": "陪伴阅读", "hours": 30})
	e.expect(403, RO, "POST", log, map[string]any{"what": "陪伴阅读", "hours": 1})
	e.expect(400, SC, "POST", log, raw(`{"hours": "two"}`))
	e.expect(404, SC, "POST", "/api/v1/one-to-one/"+unknownID+"/log", map[string]any{"what": "陪伴", "hours": 1})
	r = e.expect(200, "svc.volunteer", "GET", "/api/v1/one-to-one/"+m, nil)
	var one struct {
		Minutes int
		Log     []map[string]any
	}
	r.Decode(t, &one)
	if one.Minutes != 90 || len(one.Log) != 1 {
		t.Errorf("one-to-one: %s", r.Body)
	}
	e.expect(200, "svc.volunteer", "GET", "/api/v1/one-to-one", nil)
	e.expect(200, SC, "GET", "/api/v1/one-to-one?all=true&child_id="+kid, nil)
	e.expect(404, SC, "GET", "/api/v1/one-to-one/"+unknownID, nil)
	end := "/api/v1/one-to-one/" + m + "/end"
	e.expect(422, SC, "POST", end, map[string]any{"version": 1, "reason": ""})
	e.expect(200, SC, "POST", end, map[string]any{"version": 1, "reason": "志愿者调离"})
	e.expect(409, SC, "POST", end, map[string]any{"version": 2, "reason": "再次"})
	e.expect(400, SC, "POST", end, raw(`{"version": "2"}`))
	e.expect(409, "svc.volunteer", "POST", log, map[string]any{"what": "陪伴阅读", "hours": 1})
	e.expect(404, SC, "POST", "/api/v1/one-to-one/"+unknownID+"/end", map[string]any{"version": 1, "reason": "x"})
}
