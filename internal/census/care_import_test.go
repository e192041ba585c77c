package census_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/census"
	"guanai/internal/children"
	"guanai/internal/errs"
	"guanai/internal/idcard"
)

// TestCareTeamImport checks a care-team file: the dry run's report row by
// row, the commit's all-or-nothing, the outcomes of a second import, and
// the template.
func TestCareTeamImport(t *testing.T) {
	a, s := setup(t)
	ctx := context.Background()
	var ids []string
	var kids []children.Child
	for i := range 3 {
		c, err := a.Children.Create(ctx, access.System(), children.Input{IDNumber: idcard.Generate("530524", yearsAgo(9), 300+i, "M"), Name: []string{"张一", "张二", "张三"}[i],
			Sex: "M", BirthDate: yearsAgo(9).Format("2006-01-02"), Ethnicity: "汉族", Hukou: "rural", VillageCode: wencang, FatherStatus: "away", MotherStatus: "away"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, idcard.Generate("530524", yearsAgo(9), 300+i, "M"))
		kids = append(kids, c)
	}
	if _, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: "town.cadre", Name: "镇干部", RegionCode: township, Roles: []string{"officer"},
		Active: true, Password: "Care#Pass9word"}, false); err != nil {
		t.Fatal(err)
	}
	header := []string{"身份证号码", "儿童姓名", "角色", "成员账号", "成员姓名", "联系电话", "与儿童关系", "开始日期", "替换现任"}
	good := [][]string{header,
		{ids[0], "张一", "乡镇干部", "town.cadre", "", "", "", "", ""},
		{ids[1], "张二", "乡镇干部", "town.cadre", "", "", "", "2026-01-01", ""},
		{ids[0], "", "受委托监护人", "", "李奶奶", "13800001111", "祖母", "", ""},
		{ids[2], "张三", "爱心邻居", "", "王阿姨", "", "邻居", "", "否"},
	}
	bad := append(append([][]string{}, good...),
		[]string{ids[0], "张一", "乡镇干部", "", "赵干部", "", "", "", ""},                                    // same child and role again
		[]string{ids[1], "李二", "村干部", "", "钱干部", "", "", "", ""},                                     // name does not match
		[]string{idcard.Generate("530102", yearsAgo(9), 5, "F"), "", "村干部", "", "孙", "", "", "", ""}, // not registered
		[]string{ids[2], "", "司机", "", "孙", "", "", "", ""},                                          // unknown role
		[]string{ids[2], "", "县级干部", "nobody", "", "", "", "", ""},                                   // unknown account
		[]string{ids[2], "", "县级干部", "town.cadre", "", "", "", "", ""},                               // a township cadre as county cadre
		[]string{ids[2], "", "受委托监护人", "", "周", "", "", "", "也许"},                                    // no relation, bad yes/no
	)
	res, err := s.Import(ctx, officer, census.CareTeams, writeCSV(t, bad, ""), census.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 11 || res.Valid != 4 || res.Invalid != 7 {
		t.Fatalf("dry run: %d rows, %d valid, %d invalid: %+v", res.Rows, res.Valid, res.Invalid, res.Errors)
	}
	want := map[int]string{6: "同一角色", 7: "不一致", 8: "未找到", 9: "无效", 10: "不存在", 11: "不是县级干部", 12: "替换现任"}
	for row, phrase := range want {
		found := false
		for _, e := range res.Errors {
			if e.Row == row && strings.Contains(e.Reason, phrase) {
				found = true
			}
		}
		if !found {
			t.Errorf("row %d: no error saying %q in %+v", row, phrase, res.Errors)
		}
	}
	// A commit of the bad file writes nothing.
	res, err = s.Import(ctx, officer, census.CareTeams, writeCSV(t, bad, ""), census.Options{})
	if err != nil || res.Committed {
		t.Fatalf("bad commit: %v %+v", err, res)
	}
	team, _ := a.Care.Team(ctx, officer, kids[0].ID)
	if len(team.History) != 0 {
		t.Fatalf("a rejected import wrote %+v", team.History)
	}
	// The good file: four assignments.
	res, err = s.Import(ctx, officer, census.CareTeams, writeCSV(t, good, ""), census.Options{})
	if err != nil || !res.Committed || res.Created != 4 {
		t.Fatalf("commit: %v %+v", err, res)
	}
	team, _ = a.Care.Team(ctx, officer, kids[0].ID)
	if len(team.Missing) != 4 {
		t.Errorf("child 1 lacks %v", team.Missing)
	}
	// Again, with one change that needs 替换现任.
	again := [][]string{header, good[1], {ids[2], "", "爱心邻居", "", "刘叔叔", "", "邻居", "", ""}}
	res, _ = s.Import(ctx, officer, census.CareTeams, writeCSV(t, again, ""), census.Options{DryRun: true})
	if res.Invalid != 1 || res.Unchanged != 1 || !strings.Contains(res.Errors[0].Reason, "替换现任") {
		t.Errorf("second file: %+v", res)
	}
	again[2][8] = "是"
	res, err = s.Import(ctx, officer, census.CareTeams, writeCSV(t, again, ""), census.Options{})
	if err != nil || !res.Committed || res.Updated != 1 || res.Unchanged != 1 {
		t.Errorf("second commit: %v %+v", err, res)
	}
	// Who may import, and the template.
	if _, err := s.Import(ctx, access.Viewer{UserID: "u-reader", Region: county}, census.CareTeams, writeCSV(t, good, ""), census.Options{DryRun: true}); !errs.Is(err, errs.Forbidden) {
		t.Errorf("a reader imports: %v", err)
	}
	var buf bytes.Buffer
	if err := census.Template(census.CareTeams, &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := f.GetRows("关爱队伍信息")
	if len(head) == 0 || head[0][0] != "*身份证号码" || head[0][2] != "*角色" {
		t.Errorf("template header %v", head)
	}
}
