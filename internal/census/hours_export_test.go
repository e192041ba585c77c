package census_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/apptest"
	"guanai/internal/audit"
	"guanai/internal/census"
	"guanai/internal/volunteer"
)

// The export of service hours: one row per record in scope, content that
// looks like a formula neutralised, the disputed record marked and left
// out of the total; audited; nothing of another county.
func TestExportServiceHours(t *testing.T) {
	ctx := context.Background()
	a := apptest.New(t)
	sys := access.System()
	mk := func(username, region string, roles ...string) access.Viewer {
		u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: "用户" + username, RegionCode: region, Roles: roles,
			Active: true, Password: "Export#Pass9word"}, false)
		if err != nil {
			t.Fatal(err)
		}
		return accounts.ViewerFor(u, "127.0.0.1")
	}
	officer, self, km := mk("hours.officer", "530524000000", "officer"), mk("hours.self", "530524000000", "mentor"), mk("hours.km", "530102000000", "officer")
	s := a.Volunteers
	vo, err := s.CreateVolunteer(ctx, sys, volunteer.VolunteerInput{Name: "王志愿", Region: "530524107202", UserID: self.UserID})
	if err != nil {
		t.Fatal(err)
	}
	far, err := s.CreateVolunteer(ctx, sys, volunteer.VolunteerInput{Name: "越界志愿者", Region: "530102001001"})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(v access.Viewer, id, hours, content string) volunteer.ServiceRecord {
		r, err := s.RecordService(ctx, v, volunteer.ServiceInput{VolunteerID: id, Hours: hours, Content: content, ServedOn: "2026-01-0" + hours[:1]})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rec(officer, vo.ID, "2", "=1+1 课业辅导")
	d := rec(officer, vo.ID, "3.5", "陪伴")
	rec(km, far.ID, "4", "越界服务")
	if _, err := s.AnswerService(ctx, self, d.ID, d.Version, volunteer.AnswerInput{Reason: "没有这么久"}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := census.ExportServiceHours(ctx, a.DB, s, officer, volunteer.ServiceFilter{}, &buf)
	if err != nil || n != 2 {
		t.Fatalf("export: %d %v", n, err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("志愿服务时长")
	if err != nil {
		t.Fatal(err)
	}
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	if len(rows) != 4 || rows[0][0] != "志愿者" || strings.Contains(all, "越界") || !strings.Contains(all, "'=1+1") ||
		rows[3][3] != "2" || !strings.Contains(all, "有异议|没有这么久") {
		t.Errorf("workbook:\n%s", all)
	}
	page, err := audit.Search(ctx, a.DB, access.Viewer{Roles: []string{"auditor"}}, audit.Filter{RecordType: volunteer.RecordService, Action: audit.ActionExport, Limit: 10})
	if err != nil || page.Total != 1 {
		t.Errorf("export audited: %d %v", page.Total, err)
	}
}
