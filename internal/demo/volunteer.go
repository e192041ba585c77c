package demo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"io"

	"guanai/internal/access"
	"guanai/internal/accounts"
	"guanai/internal/app"
	"guanai/internal/children"
	"guanai/internal/person"
	"guanai/internal/volunteer"
)

// VolunteerSummary says what loadVolunteers set up in the pilot town.
type VolunteerSummary struct {
	Orgs, Volunteers, Activities, Services, Confirmed int
}

// demoOrgCode is the demonstration organisation's credit code without its
// check character.
const demoOrgCode = "52530524MJY000103"

// loadVolunteers gives the pilot town's county a social organisation with
// a social worker as its organiser, four volunteers (two of them the demo
// mentor accounts, who can log in and confirm), two group activities of
// the pilot town with children who attended, and the volunteers' hours at
// them — some confirmed, the rest waiting. Nothing is loaded again when
// the organisation is already there.
func loadVolunteers(ctx context.Context, a *app.App, out io.Writer) (VolunteerSummary, error) {
	var sum VolunteerSummary
	check, _ := volunteer.CreditCheckChar(demoOrgCode)
	code := demoOrgCode + string(check)
	// Already loaded: say what is there.
	err := a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*),
		(SELECT COUNT(*) FROM volunteers v JOIN social_orgs o ON o.id = v.org_id WHERE o.credit_code = ?),
		(SELECT COUNT(*) FROM activities t JOIN social_orgs o ON o.id = t.org_id WHERE o.credit_code = ?),
		(SELECT COUNT(*) FROM service_records r JOIN social_orgs o ON o.id = r.org_id WHERE o.credit_code = ?),
		(SELECT COUNT(*) FROM service_records r JOIN social_orgs o ON o.id = r.org_id WHERE o.credit_code = ? AND r.status = 'confirmed')
		FROM social_orgs WHERE credit_code = ?`, code, code, code, code, code).Scan(&sum.Orgs, &sum.Volunteers, &sum.Activities, &sum.Services, &sum.Confirmed)
	if err != nil || sum.Orgs > 0 {
		return sum, err
	}
	county := PilotTown[:6] + "000000"
	sys := access.System()
	s := a.Volunteers
	workerID, err := demoAccount(ctx, a, "demo.socialworker", "周晓燕", "13908751234", accounts.RoleSocialWorker)
	if err != nil {
		return sum, err
	}
	worker := access.Viewer{UserID: workerID, Username: "demo.socialworker", Name: "周晓燕", Region: county, Roles: []string{accounts.RoleSocialWorker}}
	org, err := s.CreateOrg(ctx, sys, volunteer.OrgInput{Name: "昌宁县阳光社会工作服务中心", CreditCode: code, Region: county,
		ContactName: "周晓燕", ContactPhone: "0875-6021234", OrganiserID: workerID})
	if err != nil {
		return sum, fmt.Errorf("demo: organisation: %w", err)
	}
	sum.Orgs++
	type vol struct {
		username, name string
		skills         []string
	}
	var vols []volunteer.Volunteer
	users := map[string]string{} // volunteer id → user id
	for _, d := range []vol{{"demo.mentor2", "", []string{"tutoring", "companionship"}}, {"demo.mentor4", "", []string{"arts"}},
		{"", "杨丽华", []string{"tutoring", "arts"}}, {"", "李建国", []string{"sports", "other"}}} {
		in := volunteer.VolunteerInput{Name: d.name, Region: PilotTown, OrgID: org.ID, Skills: d.skills}
		if d.username != "" {
			if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id, name FROM users WHERE username = ?`, d.username).Scan(&in.UserID, &in.Name); err != nil {
				return sum, fmt.Errorf("demo: %s: %w", d.username, err)
			}
		}
		vo, err := s.CreateVolunteer(ctx, sys, in)
		if err != nil {
			return sum, fmt.Errorf("demo: volunteer %s: %w", in.Name, err)
		}
		vols, users[vo.ID] = append(vols, vo), in.UserID
		sum.Volunteers++
	}
	villages, err := a.Regions.Children(ctx, PilotTown)
	if err != nil || len(villages) == 0 {
		return sum, fmt.Errorf("demo: villages of the pilot town: %w", err)
	}
	today := person.Today(a.DB.Now())
	acts := []struct {
		title, kind, address string
		daysAgo              int
		village              int
	}{
		{"暑期防溺水安全教育进村", volunteer.KindDrowning, "村委会活动室", 45, 0},
		{"周末课业辅导与亲情陪伴", volunteer.KindTutoring, "村小学教室", 12, len(villages) / 2},
	}
	for i, ad := range acts {
		village := villages[ad.village].Code
		page, err := a.Children.List(ctx, sys, children.Filter{Region: village, Limit: 12, Sort: "name"})
		if err != nil {
			return sum, err
		}
		var ids []string
		for _, c := range page.Children {
			ids = append(ids, c.ID)
		}
		held := today.AddDate(0, 0, -ad.daysAgo).Format("2006-01-02")
		act, err := s.CreateActivity(ctx, worker, volunteer.ActivityInput{Title: ad.title, Kind: ad.kind, Region: village, Address: ad.address,
			HeldOn: held, OrgID: org.ID, ChildIDs: ids})
		if err != nil {
			return sum, fmt.Errorf("demo: activity %s: %w", ad.title, err)
		}
		sum.Activities++
		for j, vo := range vols {
			if (i+j)%2 == 1 && j >= 2 {
				continue
			}
			rec, err := s.RecordService(ctx, worker, volunteer.ServiceInput{VolunteerID: vo.ID, ActivityID: act.ID, OrgID: org.ID, Hours: []string{"3", "2.5", "4", "1.5"}[j],
				Content: ad.title})
			if err != nil {
				return sum, fmt.Errorf("demo: hours of %s: %w", vo.Name, err)
			}
			sum.Services++
			// The first activity's records are confirmed by the volunteers
			// who can log in; the second's wait for them.
			if uid := users[vo.ID]; uid != "" && i == 0 {
				self := access.Viewer{UserID: uid, Name: vo.Name, Region: county, PairedWith: uid}
				if _, err := s.AnswerService(ctx, self, rec.ID, rec.Version, volunteer.AnswerInput{Confirm: true}); err != nil {
					return sum, fmt.Errorf("demo: confirm: %w", err)
				}
				sum.Confirmed++
			}
		}
	}
	fmt.Fprintf(out, "已登记社会组织 %d 个、志愿者 %d 名、集体活动 %d 次、服务记录 %d 条\n", sum.Orgs, sum.Volunteers, sum.Activities, sum.Services)
	return sum, nil
}

// demoAccount returns the id of a demo account with one role, creating it
// (with a random password nobody knows) on the first load.
func demoAccount(ctx context.Context, a *app.App, username, fullName, mobile, role string) (string, error) {
	var id string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id); err == nil {
		return id, nil
	}
	b := make([]byte, 12)
	crand.Read(b)
	u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: fullName, Phone: mobile, RegionCode: PilotTown[:6] + "000000",
		OrgKind: "social_org", Roles: []string{role}, Active: true, Password: "Dm#" + hex.EncodeToString(b) + "Q7"}, true)
	if err != nil {
		return "", fmt.Errorf("demo: account %s: %w", username, err)
	}
	return u.ID, nil
}
