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
	"guanai/internal/care"
	"guanai/internal/followup"
	"guanai/internal/person"
)

// FollowupSummary is what Load set up of follow-ups: two cadre accounts
// (demo.cadre, village cadre of the pilot town's first village;
// demo.towncadre, township cadre) on the care teams of a few of its
// left-behind children, with follow-ups — some all good, one urgent (a
// notification to the township cadre and a need on the needs list) — and
// one child whose visit is overdue and escalated to the township.
type FollowupSummary struct {
	Children  int // children given the two cadres
	Followups int
	Urgent    int
	Overdue   int
}

// demoFollowupChildren is how many children of the first village get the
// demo cadres.
const demoFollowupChildren = 6

func loadFollowups(ctx context.Context, a *app.App, out io.Writer) (FollowupSummary, error) {
	var sum FollowupSummary
	pilot, err := a.Regions.Children(ctx, PilotTown)
	if err != nil || len(pilot) == 0 {
		return sum, err
	}
	village := pilot[0].Code
	cadreID, err := demoCadre(ctx, a, "demo.cadre", "杨村官", "13908750101", village)
	if err != nil {
		return sum, err
	}
	townID, err := demoCadre(ctx, a, "demo.towncadre", "李镇干", "13908750102", PilotTown)
	if err != nil {
		return sum, err
	}
	// A load run again after an interruption finds the cadres placed and
	// says what is there.
	err = a.DB.Reader().QueryRowContext(ctx, `SELECT COUNT(*),
		(SELECT COUNT(*) FROM followups WHERE user_id = ?), (SELECT COUNT(*) FROM followups WHERE user_id = ? AND urgent = ?),
		(SELECT COUNT(*) FROM care_members m WHERE m.user_id = ? AND m.role = ? AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.child_id = m.child_id))
		FROM care_members WHERE user_id = ? AND role = ?`, cadreID, cadreID, true, cadreID, care.RoleVillageCadre, cadreID, care.RoleVillageCadre).
		Scan(&sum.Children, &sum.Followups, &sum.Urgent, &sum.Overdue)
	if err != nil || sum.Children > 0 {
		return sum, err
	}
	// Left-behind children of the village with neither cadre yet, in a
	// fixed order.
	rows, err := a.DB.Reader().QueryContext(ctx, `SELECT c.id FROM children c WHERE c.village_code = ? AND c.left_behind = ? AND c.archived_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM care_members m WHERE m.child_id = c.id AND m.to_on IS NULL AND m.role IN (?, ?))
		ORDER BY c.id LIMIT ?`, village, true, care.RoleVillageCadre, care.RoleTownshipCadre, demoFollowupChildren)
	if err != nil {
		return sum, err
	}
	var kids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return sum, err
		}
		kids = append(kids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sum, err
	}
	sys := access.System()
	today := person.Today(a.DB.Now())
	from := today.AddDate(0, 0, -50).Format("2006-01-02")
	for _, id := range kids {
		for role, uid := range map[string]string{care.RoleVillageCadre: cadreID, care.RoleTownshipCadre: townID} {
			if _, err := a.Care.Assign(ctx, sys, id, care.AssignInput{Role: role, UserID: uid, From: from}); err != nil {
				return sum, fmt.Errorf("demo: follow-up cadre: %w", err)
			}
		}
		sum.Children++
	}
	cadre := access.Viewer{UserID: cadreID, Username: "demo.cadre", Name: "杨村官", Region: village, Roles: []string{accounts.RoleLeader},
		May: access.Sensitive{IDNumber: true, Health: true, Difficulty: true}}
	record := func(in followup.Input) error {
		fu, err := a.Followups.Record(ctx, cadre, in)
		if err != nil {
			return fmt.Errorf("demo: follow-up: %w", err)
		}
		sum.Followups++
		if fu.Urgent {
			sum.Urgent++
		}
		return nil
	}
	for i, id := range kids {
		switch {
		case i == len(kids)-1 && len(kids) > 1:
			// The last child is never visited: overdue since 20 days,
			// escalated to the township.
			sum.Overdue++
		case i == 1:
			// An urgent visit three days ago: a need and a notification.
			err = record(followup.Input{ChildID: id, VisitedOn: today.AddDate(0, 0, -3).Format("2006-01-02"), Method: followup.MethodHomeVisit,
				Ratings: map[string]string{followup.DimHealth: followup.RatingUrgent, followup.DimPsych: followup.RatingAttention},
				Notes:   map[string]string{followup.DimHealth: "连续咳嗽两周，祖母行动不便未带去就医", followup.DimPsych: "话少，想念在外务工的母亲"},
				Needs:   []followup.NeedInput{{Kind: "health_check", Description: "联系镇卫生院上门检查"}}})
		default:
			// A visit with nothing to flag, a week apart from child to child.
			err = record(followup.Input{ChildID: id, VisitedOn: today.AddDate(0, 0, -7*(i%4)).Format("2006-01-02"),
				Method: followup.Methods[i%len(followup.Methods)]})
		}
		if err != nil {
			return sum, err
		}
	}
	fmt.Fprintf(out, "已为 %d 名儿童安排随访干部，记录随访 %d 次（紧急 %d 次），逾期未随访 %d 名\n", sum.Children, sum.Followups, sum.Urgent, sum.Overdue)
	return sum, nil
}

// demoCadre returns the id of a demo cadre account (a leader of region),
// creating it with a random password the first time.
func demoCadre(ctx context.Context, a *app.App, username, fullName, mobile, region string) (string, error) {
	var id string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM users WHERE username = ?`, username).Scan(&id); err == nil {
		return id, nil
	}
	u, err := a.Accounts.CreateWithPassword(ctx, accounts.Input{Username: username, Name: fullName, Phone: mobile, RegionCode: region,
		OrgKind: "government", Roles: []string{accounts.RoleLeader}, Active: true, Password: randomPassword()}, true)
	if err != nil {
		return "", fmt.Errorf("demo: account %s: %w", username, err)
	}
	return u.ID, nil
}

// randomPassword is a password nobody knows: a system administrator
// resets it to log in as the account.
func randomPassword() string {
	b := make([]byte, 12)
	crand.Read(b)
	return "Dm#" + hex.EncodeToString(b) + "Q7"
}
