package census_test

import (
	"context"
	"testing"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/apptest"
	"guanai/internal/care"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/followup"
	"guanai/internal/person"
	"guanai/internal/tally"
)

// TestImportMovesDueCounters: children given a village cadre by a bulk
// assignment owe a monthly visit; a census import that moves one to
// another village and takes another out of the left-behind moves their
// overdue-visit counters in the import's transaction.
func TestImportMovesDueCounters(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	rows := [][]string{childHeader}
	for i := range 4 {
		rows = append(rows, childRow(i, "王小"+string(rune('甲'+i))))
	}
	if res := importFile(t, s, officer, census.Children, writeCSV(t, rows, ""), false); res.Created != 4 {
		t.Fatalf("import: %+v\n%s", res, dump(res))
	}
	cadre, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "wc.cadre", Name: "文沧村干部", RegionCode: township,
		Roles: []string{accounts.RoleLeader}, Active: true, Password: "Care#Pass9word"}, false)
	if err != nil {
		t.Fatal(err)
	}
	list, err := a.Children.List(ctx, officer, children.Filter{})
	if err != nil || len(list.Children) != 4 {
		t.Fatalf("children: %d %v", len(list.Children), err)
	}
	var ids []string
	for _, c := range list.Children {
		ids = append(ids, c.ID)
	}
	from := today().AddDate(0, 0, -40)
	res, err := a.Care.BulkAssign(ctx, access.System(), care.BulkInput{ChildIDs: ids,
		AssignInput: care.AssignInput{Role: care.RoleTownshipCadre, UserID: cadre.ID, From: from.Format("2006-01-02")}})
	if err != nil || !res.Applied {
		t.Fatalf("bulk: %+v %v", res, err)
	}
	due := followup.DueKey(followup.AddMonths(from, 3).Format("2006-01-02")) // the seeded quarterly rule
	at := func(node string) int {
		t.Helper()
		m, err := tally.Get(ctx, a.DB.Reader(), node, due)
		if err != nil {
			t.Fatal(err)
		}
		return m[due]
	}
	if at(wencang) != 4 || at(county) != 4 || at(huayan) != 0 {
		t.Fatalf("after the bulk assignment: %d at 文沧, %d at the county", at(wencang), at(county))
	}
	apptest.CheckTallies(t, a)
	// 王小乙 moves to 华严; 王小丙's mother comes home.
	rows[2][8], rows[2][9] = "华严村民委员会", huayan
	rows[3][12] = "在家"
	if res := importFile(t, s, officer, census.Children, writeCSV(t, rows, ""), false); res.Updated != 2 {
		t.Fatalf("re-import: %+v\n%s", res, dump(res))
	}
	if at(wencang) != 2 || at(huayan) != 1 || at(township) != 3 || at("") != 3 {
		t.Errorf("after the import: %d at 文沧, %d at 华严, %d at the township", at(wencang), at(huayan), at(township))
	}
	apptest.CheckTallies(t, a)
	overdue, soon, err := followup.OverdueCounts(ctx, a.DB.Reader(), county, person.Today(a.DB.Now()).AddDate(0, 3, 0))
	if err != nil || overdue != 3 || soon != 0 {
		t.Errorf("three months on: %d overdue, %d due soon (%v)", overdue, soon, err)
	}
}
