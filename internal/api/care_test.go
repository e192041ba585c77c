package api_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/accounts"
)

// asMentor is a mentor of 昌宁县, set up by driveCareRoutes.
const asMentor = "mentor"

// careUser makes an account for the care routes.
func careUser(t *testing.T, e *env, username, region, school string, roles ...string) accounts.User {
	t.Helper()
	u, err := e.app.Accounts.CreateWithPassword(context.Background(), accounts.Input{Username: username, Name: "用户" + username,
		Phone: "13912345678", RegionCode: region, SchoolID: school, Roles: roles, Active: true, Password: goodPassword}, false)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// driveCareRoutes is the part of TestResponsesMatchSchema for the care
// network: teams, bulk assignment, pairings, positions, the chain, the
// mentor's children and the gaps, successes and their errors.
func driveCareRoutes(t *testing.T, e *env) {
	const S, SC, RO = asSystem, asScoped, asReadOnly
	// Places and people.
	school := e.expect(201, S, "POST", "/api/v1/schools", map[string]any{"name": "关爱完小", "kind": "primary", "region_code": datianba})
	schoolID := id(t, school)
	class := e.expect(201, S, "POST", "/api/v1/schools/"+schoolID+"/classes", map[string]any{"grade": 3, "name": "关爱班"})
	classID := id(t, class)
	kid := id(t, e.expect(201, S, "POST", "/api/v1/children", with(childInput(wencang, 41, "赵关爱"), "school_id", schoolID, "grade", 3, "class_id", classID)))
	kid2 := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(wencang, 42, "钱关爱")))
	far := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(otherCountyVillage(t, e.app), 43, "孙远方")))
	cadre := careUser(t, e, "care.county", changning, "", "leader")
	town := careUser(t, e, "care.town", datianba, "", "officer")
	principal := careUser(t, e, "care.principal", datianba, schoolID, "principal")
	mentor := careUser(t, e, "care.mentor", changning, "", "mentor")
	viewers[asMentor] = accounts.ViewerFor(mentor, "127.0.0.1")

	// Teams.
	team := "/api/v1/children/" + kid + "/team"
	r := e.expect(201, SC, "POST", team, map[string]any{"role": "county_cadre", "user_id": cadre.ID, "from": "2026-01-05"})
	memberID := id(t, r)
	e.expect(201, SC, "POST", team, map[string]any{"role": "guardian", "name": "赵奶奶", "phone": "13800001234", "relation": "祖母"})
	e.expect(201, SC, "POST", team, map[string]any{"role": "county_cadre", "user_id": cadre.ID}) // the holder again: unchanged
	e.expect(409, SC, "POST", team, map[string]any{"role": "guardian", "name": "赵爷爷", "relation": "祖父"})
	f := e.expect(422, SC, "POST", team, map[string]any{"role": "township_cadre", "user_id": cadre.ID}).Err(t).Error.Fields
	mustContain(t, "a county cadre as township cadre", f["user_id"], "乡级")
	e.expect(422, SC, "POST", team, map[string]any{"role": "chef", "name": "王"})
	e.expect(400, SC, "POST", team, map[string]any{"role": "neighbour", "nickname": "王"})
	e.expect(404, SC, "POST", "/api/v1/children/"+far+"/team", map[string]any{"role": "neighbour", "name": "王"})
	e.expect(404, SC, "POST", "/api/v1/children/"+unknownID+"/team", map[string]any{"role": "neighbour", "name": "王"})
	r = e.expect(200, SC, "GET", team, nil)
	var tm struct {
		Current []struct{ Member *struct{ Name string } }
		Missing []string
	}
	r.Decode(t, &tm)
	if len(tm.Current) != 6 || tm.Current[0].Member == nil || len(tm.Missing) != 4 {
		t.Errorf("team: %s", r.Body)
	}
	e.expect(404, SC, "GET", "/api/v1/children/"+far+"/team", nil)
	e.expect(200, S, "GET", "/api/v1/children/"+far+"/team", nil)
	end := "/api/v1/care-members/" + memberID + "/end"
	e.expect(422, SC, "POST", end, map[string]any{"to": "2025-01-01"})
	e.expect(400, SC, "POST", end, raw(`{"to": 1}`))
	e.expect(404, SC, "POST", "/api/v1/care-members/"+unknownID+"/end", map[string]any{})
	e.expect(200, SC, "POST", end, map[string]any{"reason": "调动"})
	e.expect(409, SC, "POST", end, map[string]any{})
	e.expect(403, RO, "POST", end, map[string]any{})

	// Bulk assignment: refused as a whole, then applied.
	bulk := map[string]any{"role": "township_cadre", "user_id": town.ID, "child_ids": []string{kid, kid2, far}}
	r = e.expect(200, SC, "POST", "/api/v1/care-teams/bulk", bulk)
	if m := r.JSON(t); m["applied"] != false || m["refused"] != float64(1) {
		t.Errorf("refused bulk: %s", r.Body)
	}
	r = e.expect(200, SC, "POST", "/api/v1/care-teams/bulk", map[string]any{"role": "township_cadre", "user_id": town.ID, "region": wencang})
	if m := r.JSON(t); m["applied"] != true || m["assigned"].(float64) < 2 {
		t.Errorf("bulk by village: %s", r.Body)
	}
	e.expect(422, SC, "POST", "/api/v1/care-teams/bulk", map[string]any{"role": "township_cadre", "name": "王"})
	e.expect(400, SC, "POST", "/api/v1/care-teams/bulk", raw(`{"role": "neighbour", "child_ids": "all"}`))
	e.expect(403, RO, "POST", "/api/v1/care-teams/bulk", bulk)

	// Pairings.
	r = e.expect(201, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": kid, "mentor_id": mentor.ID, "kind": "entrepreneur", "note": "每月家访"})
	var pr struct {
		Pairing struct{ ID string }
		Warning string
	}
	r.Decode(t, &pr)
	e.expect(409, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": kid, "mentor_id": mentor.ID, "kind": "entrepreneur"})
	e.expect(422, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": kid, "mentor_id": principal.ID, "kind": "volunteer"})
	e.expect(404, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": far, "mentor_id": mentor.ID, "kind": "volunteer"})
	e.expect(400, SC, "POST", "/api/v1/pairings", raw(`{"child_id": 5}`))
	e.expect(201, SC, "POST", "/api/v1/pairings", map[string]any{"child_id": kid2, "mentor_id": mentor.ID, "kind": "volunteer"})
	r = e.expect(200, SC, "GET", "/api/v1/pairings?"+url.Values{"mentor_id": {mentor.ID}, "all": {"true"}}.Encode(), nil)
	mustContain(t, "pairings of the mentor", string(r.Body), "每月家访")
	e.expect(200, SC, "GET", "/api/v1/pairings?child_id="+kid, nil)
	e.expect(422, SC, "GET", "/api/v1/pairings?all=maybe", nil)
	pend := "/api/v1/pairings/" + pr.Pairing.ID + "/end"
	e.expect(422, SC, "POST", pend, map[string]any{"to": "2000-01-01"})
	e.expect(400, SC, "POST", pend, raw(`[]`))
	e.expect(404, SC, "POST", "/api/v1/pairings/"+unknownID+"/end", map[string]any{})

	// The mentor's own view.
	r = e.expect(200, asMentor, "GET", "/api/v1/me/children", nil)
	if !strings.Contains(string(r.Body), "赵关爱") || strings.Contains(string(r.Body), "id_number") {
		t.Errorf("my children: %s", r.Body)
	}
	e.expect(200, asMentor, "GET", "/api/v1/children/"+kid+"/chain", nil)
	e.expect(404, asMentor, "GET", "/api/v1/children/"+kid+"/history", nil)
	e.expect(404, asMentor, "GET", "/api/v1/gaps/"+changning, nil)
	e.expect(200, SC, "GET", "/api/v1/me/children", nil)
	e.expect(200, SC, "POST", pend, map[string]any{"reason": "结束"})
	e.expect(409, SC, "POST", pend, map[string]any{})

	// Positions.
	r = e.expect(201, SC, "POST", "/api/v1/positions", map[string]any{"kind": "principal", "subject": schoolID, "user_id": principal.ID})
	posID := id(t, r)
	e.expect(201, SC, "POST", "/api/v1/positions", map[string]any{"kind": "village_proxy", "subject": wencang, "name": "杨红梅", "phone": "13700001234", "title": "村妇联主席"})
	e.expect(409, SC, "POST", "/api/v1/positions", map[string]any{"kind": "village_proxy", "subject": wencang, "name": "杨红梅", "phone": "13700001234"})
	e.expect(201, SC, "POST", "/api/v1/positions", map[string]any{"kind": "leader", "subject": changning, "user_id": cadre.ID, "title": "县委书记"})
	e.expect(422, SC, "POST", "/api/v1/positions", map[string]any{"kind": "homeroom", "subject": classID, "user_id": mentor.ID})
	e.expect(404, SC, "POST", "/api/v1/positions", map[string]any{"kind": "leader", "subject": "530000", "name": "王"})
	e.expect(400, SC, "POST", "/api/v1/positions", raw(`{"kind": "leader", "subject": 53}`))
	r = e.expect(200, SC, "GET", "/api/v1/positions?"+url.Values{"region": {"530524"}, "all": {"true"}}.Encode(), nil)
	mustContain(t, "positions", string(r.Body), "杨红梅")
	e.expect(200, SC, "GET", "/api/v1/positions?kind=principal&subject="+schoolID, nil)
	e.expect(422, SC, "GET", "/api/v1/positions?kind=mayor", nil)
	r = e.expect(200, SC, "GET", "/api/v1/children/"+kid+"/chain", nil)
	for _, s := range []string{"杨红梅", principal.Name, "县委书记", "赵奶奶", town.Name} {
		mustContain(t, "chain", string(r.Body), s)
	}
	e.expect(404, SC, "GET", "/api/v1/children/"+far+"/chain", nil)
	posEnd := "/api/v1/positions/" + posID + "/end"
	e.expect(422, SC, "POST", posEnd, map[string]any{"to": "not a date"})
	e.expect(400, SC, "POST", posEnd, raw(`{"reason": ["a"]}`))
	e.expect(404, SC, "POST", "/api/v1/positions/"+unknownID+"/end", map[string]any{})
	e.expect(200, SC, "POST", posEnd, map[string]any{"reason": "调离"})
	e.expect(409, SC, "POST", posEnd, map[string]any{})

	// Gaps, their lists and the export.
	r = e.expect(200, SC, "GET", "/api/v1/gaps/"+datianba, nil)
	var g struct {
		Region struct {
			Children int
			Gaps     map[string]int
		}
		Rows []struct {
			Code     string
			Children int
		}
	}
	r.Decode(t, &g)
	// Every active left-behind child of 文沧村 has the township cadre (bulk)
	// and the village proxy; none has a county cadre any more.
	if n := g.Region.Children; n < 2 || g.Region.Gaps["team.township_cadre"] != 0 || g.Region.Gaps["team.county_cadre"] != n || g.Region.Gaps["proxy.village"] != 0 {
		t.Errorf("gaps of 大田坝镇: %s", r.Body)
	}
	e.expect(200, S, "GET", "/api/v1/gaps/0", nil)
	e.expect(200, SC, "GET", "/api/v1/gaps/"+wencang, nil)
	e.expect(404, SC, "GET", "/api/v1/gaps/530102", nil)
	e.expect(404, SC, "GET", "/api/v1/gaps/12x", nil)
	r = e.expect(200, SC, "GET", "/api/v1/gaps/"+changning+"/children?gap=team.county_cadre&limit=10", nil)
	if total(t, r) != g.Region.Children {
		t.Errorf("gap list: %s", r.Body)
	}
	e.expect(200, SC, "GET", "/api/v1/gaps/"+changning+"/children?offset=50", nil)
	e.expect(422, SC, "GET", "/api/v1/gaps/"+changning+"/children?limit=x", nil)
	e.expect(422, SC, "GET", "/api/v1/gaps/"+changning+"/children?gap=any&limit=1&offset=-1", nil)
	e.expect(404, SC, "GET", "/api/v1/gaps/530102/children", nil)
	r = e.expect(200, SC, "GET", "/api/v1/gaps/"+changning+"/export", nil)
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("gap export: %v", err)
	}
	rows, _ := x.GetRows("缺口儿童名单")
	sum, _ := x.GetRows("缺口汇总")
	if len(rows) != 1+g.Region.Children || len(sum) < 2 || !strings.Contains(sum[1][0], "昌宁县") {
		t.Errorf("gap export: %d rows, summary %v", len(rows), sum)
	}
	e.expect(404, SC, "GET", "/api/v1/gaps/530102/export", nil)

	// Care teams from a file, through the census import.
	e.expect(200, SC, "GET", "/api/v1/imports/care_teams/template", nil)
	file := "身份证号码,角色,成员姓名,与儿童关系\n" + childInput(wencang, 42, "")["id_number"].(string) + ",爱心邻居,周阿姨,邻居\n"
	r = e.upload(200, SC, "/api/v1/imports/care_teams?dry_run=true", "text/csv", []byte(file))
	if m := r.JSON(t); m["kind"] != "care_teams" || m["valid"] != float64(1) {
		t.Errorf("care-team dry run: %s", r.Body)
	}
	r = e.upload(200, SC, "/api/v1/imports/care_teams", "text/csv", []byte(file))
	if m := r.JSON(t); m["committed"] != true || m["created"] != float64(1) {
		t.Errorf("care-team import: %s", r.Body)
	}
	e.upload(403, RO, "/api/v1/imports/care_teams", "text/csv", []byte(file))
}
