package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/accounts"
)

// driveFollowupRoutes is the part of TestResponsesMatchSchema for
// follow-ups, tasks, schedule rules and notifications, successes and
// their errors.
func driveFollowupRoutes(t *testing.T, e *env) {
	const S, SC, RO = asSystem, asScoped, asReadOnly
	kid := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(wencang, 61, "周随访")))
	far := id(t, e.expect(201, S, "POST", "/api/v1/children", childInput(otherCountyVillage(t, e.app), 62, "吴远方")))
	village := careUser(t, e, "fu.village", wencang, "", "leader")
	town := careUser(t, e, "fu.town", datianba, "", "leader")
	const asVillage, asTown, asOfficer = "fu.village", "fu.town", "fu.officer"
	viewers[asVillage] = accounts.ViewerFor(village, "127.0.0.1")
	viewers[asTown] = accounts.ViewerFor(town, "127.0.0.1")
	viewers[asOfficer] = access.Viewer{UserID: "u-fu-officer", Username: "fu.officer", Name: "昌宁县儿童督导员", Region: changning, CanWrite: true,
		Roles: []string{"officer"}, May: access.Sensitive{MentalHealth: true}}
	team := "/api/v1/children/" + kid + "/team"
	e.expect(201, SC, "POST", team, map[string]any{"role": "village_cadre", "user_id": village.ID})
	e.expect(201, SC, "POST", team, map[string]any{"role": "township_cadre", "user_id": town.ID})

	// Recording.
	in := map[string]any{"child_id": kid, "method": "home_visit", "ratings": map[string]any{"health": "urgent", "psych": "attention"},
		"notes": map[string]any{"psych": "想念父母", "health": "发烧三天"}, "needs": []any{map[string]any{"kind": "health_check", "description": "带去卫生院"}}}
	r := e.expect(201, asVillage, "POST", "/api/v1/followups", in)
	fuID := id(t, r)
	if m := r.JSON(t); m["urgent"] != true || m["care_role"] != "village_cadre" || len(m["need_ids"].([]any)) != 1 || m["next_on"] == "" {
		t.Errorf("recorded follow-up: %s", r.Body)
	}
	e.expect(201, asVillage, "POST", "/api/v1/followups", map[string]any{"child_id": kid}) // nothing to flag: every default
	f := e.expect(422, asVillage, "POST", "/api/v1/followups", with(in, "visited_on", "2099-01-01")).Err(t).Error.Fields
	mustContain(t, "a future date", f["visited_on"], "不能晚于今天")
	e.expect(400, asVillage, "POST", "/api/v1/followups", raw(`{"child_id": 1}`))
	e.expect(400, asVillage, "POST", "/api/v1/followups", with(in, "weather", "晴"))
	e.expect(404, asVillage, "POST", "/api/v1/followups", with(in, "child_id", far))
	e.expect(404, SC, "POST", "/api/v1/followups", with(in, "child_id", unknownID))
	msg := e.expect(403, RO, "POST", "/api/v1/followups", map[string]any{"child_id": kid}).Err(t).Error.Message
	mustContain(t, "not in the network", msg, "关爱网络")

	// Reading.
	r = e.expect(200, asOfficer, "GET", "/api/v1/followups?child_id="+kid, nil)
	mustContain(t, "the officer reads the psychology note", string(r.Body), "想念父母")
	r = e.expect(200, SC, "GET", "/api/v1/followups?region=530524&from=2020-01-01&to=2099-12-31&urgent=true&limit=10&offset=0", nil)
	if total(t, r) != 1 || strings.Contains(string(r.Body), "想念父母") {
		t.Errorf("follow-ups for a viewer without mental-health rights: %s", r.Body)
	}
	e.expect(200, asVillage, "GET", "/api/v1/followups?mine=true", nil)
	e.expect(422, SC, "GET", "/api/v1/followups?limit=x", nil)
	e.expect(422, SC, "GET", "/api/v1/followups?from=yesterday", nil)
	e.expect(200, SC, "GET", "/api/v1/followups/"+fuID, nil)
	e.expect(404, SC, "GET", "/api/v1/followups/"+unknownID, nil)
	e.expect(404, asVillage, "GET", "/api/v1/followups/not-an-id", nil)
	r = e.expect(200, asVillage, "GET", "/api/v1/children/"+kid+"/followups", nil)
	if m := r.JSON(t); m["child"].(map[string]any)["may_record"] != true || m["child"].(map[string]any)["next_on"] == "" {
		t.Errorf("child follow-ups: %s", r.Body)
	}
	e.expect(404, SC, "GET", "/api/v1/children/"+far+"/followups", nil)
	e.expect(422, SC, "GET", "/api/v1/children/"+kid+"/followups?limit=x", nil)
	r = e.expect(200, asOfficer, "GET", "/api/v1/followups/export?child_id="+kid, nil)
	x, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("follow-up export: %v", err)
	}
	if rows, _ := x.GetRows("随访记录"); len(rows) != 3 || !strings.Contains(strings.Join(append(rows[1], rows[2]...), " "), "想念父母") {
		t.Errorf("follow-up export: %v", rows)
	}
	e.expect(422, SC, "GET", "/api/v1/followups/export?region=abc", nil)

	// Tasks and rules.
	r = e.expect(200, asVillage, "GET", "/api/v1/tasks", nil)
	mustContain(t, "task list", string(r.Body), `"today"`)
	e.expect(200, SC, "GET", "/api/v1/tasks", nil)
	r = e.expect(200, SC, "GET", "/api/v1/followup-rules", nil)
	if m := r.JSON(t); m["editable"] != false || len(m["items"].([]any)) != 3 {
		t.Errorf("rules: %s", r.Body)
	}
	rule := map[string]any{"care_role": "teacher", "category": "left_behind", "every": 1, "unit": "month", "township_days": 14, "county_days": 30}
	e.expect(403, SC, "PUT", "/api/v1/followup-rules", rule)
	ruleID := id(t, e.expect(200, asOfficer, "PUT", "/api/v1/followup-rules", rule))
	f = e.expect(422, asOfficer, "PUT", "/api/v1/followup-rules", with(rule, "every", 0, "unit", "year")).Err(t).Error.Fields
	if f["every"] == "" || f["unit"] == "" {
		t.Errorf("rule fields: %v", f)
	}
	e.expect(400, asOfficer, "PUT", "/api/v1/followup-rules", raw(`{"every": "1"}`))
	e.expect(403, SC, "DELETE", "/api/v1/followup-rules/"+ruleID, nil)
	e.expect(204, asOfficer, "DELETE", "/api/v1/followup-rules/"+ruleID, nil)
	e.expect(404, asOfficer, "DELETE", "/api/v1/followup-rules/"+ruleID, nil)

	// Notifications: the township cadre was told of the urgent rating.
	r = e.expect(200, asTown, "GET", "/api/v1/notifications?unread=true&limit=10", nil)
	var notes struct {
		Items []struct {
			ID         string `json:"id"`
			FollowupID string `json:"followup_id"`
		}
		Unread int
	}
	r.Decode(t, &notes)
	if notes.Unread != 1 || len(notes.Items) != 1 {
		t.Fatalf("notifications: %s", r.Body)
	}
	e.expect(200, asVillage, "GET", "/api/v1/notifications", nil)
	e.expect(422, asTown, "GET", "/api/v1/notifications?limit=x", nil)
	e.expect(404, asVillage, "POST", "/api/v1/notifications/read", map[string]any{"ids": []string{notes.Items[0].ID}})
	e.expect(422, asTown, "POST", "/api/v1/notifications/read", map[string]any{"ids": []string{"x"}})
	e.expect(400, asTown, "POST", "/api/v1/notifications/read", raw(`{"ids": "x"}`))
	e.expect(204, asTown, "POST", "/api/v1/notifications/read", map[string]any{"ids": []string{notes.Items[0].ID}})
	e.expect(204, asTown, "POST", "/api/v1/notifications/read", map[string]any{})
	if r = e.expect(200, asTown, "GET", "/api/v1/notifications", nil); !strings.Contains(string(r.Body), `"unread":0`) {
		t.Errorf("after reading: %s", r.Body)
	}
}
